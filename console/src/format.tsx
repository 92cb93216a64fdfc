const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];

export function formatBytes(bytes: number): string {
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${unit === 0 ? value : value.toFixed(1)} ${UNITS[unit]}`;
}

/** The last segment of a key: the name shown and saved. */
export function baseName(key: string): string {
  return key.slice(key.lastIndexOf('/') + 1);
}

/** An identity ID (`{region}:{uuid}`) shortened for a table cell; the full ID goes in its title. */
function shortId(identityId: string): string {
  const [region, uuid = ''] = identityId.split(':');
  return uuid.length > 8 ? `${region}:${uuid.slice(0, 8)}…` : identityId;
}

/** An identity ID shortened to read; the full ID in the title and for screen readers. */
export function IdentityId({ id }: { id: string }) {
  return (
    <code title={id}>
      <span aria-hidden="true">{shortId(id)}</span>
      <span class="visually-hidden">{id}</span>
    </code>
  );
}

/**
 * Another person: the name the API recorded for them (their verified email, else their username),
 * with the identity ID on hover; the short ID alone when the API knows no name.
 */
export function Person({ name, id }: { name: string | undefined; id: string }) {
  return name === undefined ? <IdentityId id={id} /> : <span title={id}>{name}</span>;
}

/** An API timestamp in the reader's locale, machine-readable in `dateTime`. */
export function DateTime({ value }: { value: string }) {
  return <time dateTime={value}>{new Date(value).toLocaleString()}</time>;
}
