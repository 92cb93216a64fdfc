/**
 * A bounded cache of asynchronously loaded values: LRU eviction (lru-cache), a per-value expiry
 * read from the value itself on an injectable clock, and single flight (concurrent misses for one
 * key share one load; a failed load is not cached). Pure: no AWS SDK, no timers.
 *
 * lru-cache's own `fetch()` also dedupes, but its TTLs run on `performance.now()` with a timer-based
 * resolution and stale-while-revalidate semantics; credentials expire at a wall-clock instant they
 * carry, and tests need to move that clock by hand, so expiry is checked here on `now()`.
 */
import { LRUCache } from 'lru-cache';

export interface ExpiringCacheOptions<V> {
  /** Most entries kept; the least recently used go first. */
  readonly max: number;
  /** The instant (epoch ms) from which a value must no longer be served. Default: never. */
  readonly expiresAt?: (value: V) => number;
  /** Wall clock in epoch ms. Default: `Date.now`. */
  readonly now?: () => number;
}

interface Entry<V> {
  readonly value: V;
  readonly expiresAt: number;
}

const never = () => Number.POSITIVE_INFINITY;

export class ExpiringCache<K extends {}, V extends {}> {
  readonly #entries: LRUCache<K, Entry<V>>;
  readonly #inFlight = new Map<K, Promise<V>>();
  readonly #expiresAt: (value: V) => number;
  readonly #now: () => number;

  constructor(options: ExpiringCacheOptions<V>) {
    if (!Number.isInteger(options.max) || options.max < 1)
      throw new RangeError('max must be an integer >= 1');
    this.#entries = new LRUCache<K, Entry<V>>({ max: options.max });
    this.#expiresAt = options.expiresAt ?? never;
    this.#now = options.now ?? Date.now;
  }

  /** The cached value if present and not expired (refreshing its LRU position), else undefined. */
  peek(key: K): V | undefined {
    const entry = this.#entries.get(key);
    if (entry === undefined) return undefined;
    if (entry.expiresAt <= this.#now()) {
      this.#entries.delete(key);
      return undefined;
    }
    return entry.value;
  }

  /** The cached value, or the result of `load` (shared with any load already under way). */
  get(key: K, load: (key: K) => Promise<V>): Promise<V> {
    const hit = this.peek(key);
    return hit === undefined ? this.#load(key, load) : Promise.resolve(hit);
  }

  /**
   * Loads a new value even when one is cached (joining a load already under way), and replaces the
   * cached one only if the load succeeds.
   */
  refresh(key: K, load: (key: K) => Promise<V>): Promise<V> {
    return this.#load(key, load);
  }

  delete(key: K): void {
    this.#entries.delete(key);
  }

  /** Entries held (expired ones included until they are next looked up or evicted). */
  get size(): number {
    return this.#entries.size;
  }

  /** Loads under way. */
  get pending(): number {
    return this.#inFlight.size;
  }

  #load(key: K, load: (key: K) => Promise<V>): Promise<V> {
    const pending = this.#inFlight.get(key);
    if (pending !== undefined) return pending;
    // Starting from a resolved promise keeps even a synchronous throw in `load` asynchronous, so the
    // in-flight entry is always registered before it is removed.
    const promise = Promise.resolve(key)
      .then(load)
      .then((value) => {
        this.#entries.set(key, { value, expiresAt: this.#expiresAt(value) });
        return value;
      })
      .finally(() => this.#inFlight.delete(key));
    this.#inFlight.set(key, promise);
    return promise;
  }
}
