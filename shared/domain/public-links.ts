/**
 * Permanent links to `public` files: `{apiUrl}/public/{owner}/{key}`, each key segment URL-encoded,
 * so a link survives any character the key rules allow. Pure: the function builds them for its
 * answers, and the console builds the same ones for the files it lists.
 */

/** The link's path below the API's URL (no leading `/`). */
export function publicLinkPath(owner: string, key: string): string {
  return `public/${owner}/${key.split('/').map(encodeURIComponent).join('/')}`;
}

/** The permanent link of `owner`'s public `key`, below `apiUrl` (with or without its trailing `/`). */
export function publicLink(apiUrl: string, owner: string, key: string): string {
  return `${apiUrl.replace(/\/$/, '')}/${publicLinkPath(owner, key)}`;
}

/**
 * How long a cache may keep a redirect to a URL that stops working in `secondsLeft`: a tenth of
 * that (at least one second) is kept back for the client to follow it, so a cached redirect never
 * points at an expired URL.
 */
export function redirectMaxAgeSeconds(secondsLeft: number): number {
  const whole = Math.floor(secondsLeft);
  return Math.max(0, whole - Math.max(1, Math.ceil(whole / 10)));
}
