/**
 * The console's side of permanent links: where one owner's public page lives, how a listed
 * `publicUrl` is asked to render, and which files are worth a preview. The links themselves are
 * never built here: the console uses only the `publicUrl` the API gave.
 */

/** `/public/{owner}`, the page anyone may open; the `:` of an identity ID stays readable. */
export function publicPagePath(owner: string): string {
  return `/public/${encodeURIComponent(owner).replaceAll('%3A', ':')}`;
}

/** The owner a path names when it is a public page (`/public/{owner}`, a trailing `/` allowed). */
export function publicPageOwner(pathname: string): string | undefined {
  const match = /^\/public\/([^/]+)\/?$/.exec(pathname);
  if (!match?.[1]) return undefined;
  try {
    return decodeURIComponent(match[1]);
  } catch {
    // A malformed escape is still an owner to ask the API about: it answers what is wrong.
    return match[1];
  }
}

/**
 * The permanent link asking for a URL that renders (`inline=1`): granted for passive types only,
 * so an active file stays an attachment, which `<img>` still shows and a tab saves.
 */
export function inlineUrl(publicUrl: string): string {
  const url = new URL(publicUrl);
  url.searchParams.set('inline', '1');
  return url.href;
}

/** Raster types a browser renders in `<img>`; a listing has no content type, so the name decides. */
const IMAGE_EXTENSIONS = new Set(['png', 'jpg', 'jpeg', 'gif', 'webp', 'avif', 'bmp']);

export function looksLikeImage(key: string): boolean {
  const name = key.slice(key.lastIndexOf('/') + 1);
  const dot = name.lastIndexOf('.');
  return dot > 0 && IMAGE_EXTENSIONS.has(name.slice(dot + 1).toLowerCase());
}
