/**
 * A map that remembers at most `max` entries, forgetting the least recently set one first. For
 * state anyone can make the local stack create (guest identities): memory stays bounded, and what
 * is forgotten is refused afterwards, as an unknown entry is (fail closed).
 */
export class RecentMap<K, V> {
  readonly #entries = new Map<K, V>();
  readonly #max: number;

  constructor(max: number, name = 'the map') {
    if (!(Number.isInteger(max) && max >= 1)) throw new TypeError(`${name} must hold at least 1 entry`);
    this.#max = max;
  }

  get size(): number {
    return this.#entries.size;
  }

  get(key: K): V | undefined {
    return this.#entries.get(key);
  }

  /** Sets `key` as the newest entry; past `max`, the oldest entry is forgotten. */
  set(key: K, value: V): void {
    // Deleted first, so a key set again becomes the newest (a Map iterates in insertion order).
    this.#entries.delete(key);
    this.#entries.set(key, value);
    if (this.#entries.size <= this.#max) return;
    const oldest = this.#entries.keys().next();
    if (!oldest.done) this.#entries.delete(oldest.value);
  }
}
