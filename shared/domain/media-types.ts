/**
 * Media types (RFC 9110 `type/subtype; parameters`): their syntax, the comparable part, and which
 * types a browser would run as active content if a download URL rendered them inline. Pure.
 */

// RFC 9110: type "/" subtype *( OWS ";" OWS token "=" ( token / quoted-string ) ).
const TOKEN = "[!#$%&'*+.^_`|~0-9A-Za-z-]+";
const QUOTED = '"(?:[\\t\\x20\\x21\\x23-\\x5b\\x5d-\\x7e]|\\\\[\\t\\x20-\\x7e])*"';

/** A full media type, parameters allowed. */
export const MEDIA_TYPE = new RegExp(
  `^${TOKEN}/${TOKEN}(?:[\\t ]*;[\\t ]*${TOKEN}=(?:${TOKEN}|${QUOTED}))*$`,
);

/** `type/subtype` or `type/*`, without parameters: an entry of an allow list. */
export const MEDIA_RANGE = new RegExp(`^${TOKEN}/(?:${TOKEN})$`);

/**
 * The lower-cased `type/subtype` of a media type, parameters dropped (types and subtypes are
 * case-insensitive; parameters such as `charset` do not change what the content is). Undefined
 * for anything that is not a media type.
 */
export function mediaTypeEssence(value: string): string | undefined {
  if (!MEDIA_TYPE.test(value)) return undefined;
  const semicolon = value.indexOf(';');
  return (semicolon === -1 ? value : value.slice(0, semicolon)).trim().toLowerCase();
}

/** Whether `essence` (lower-cased `type/subtype`) is within `range` (`type/subtype` or `type/*`). */
export function inMediaRange(essence: string, range: string): boolean {
  const wanted = range.toLowerCase();
  return wanted.endsWith('/*') ? essence.startsWith(wanted.slice(0, -1)) : essence === wanted;
}

const ACTIVE_TYPES = new Set([
  'text/html',
  'application/xhtml+xml',
  'image/svg+xml',
  'text/xml',
  'application/xml',
  'text/xsl',
  'application/xml-dtd',
  'text/xml-external-parsed-entity',
  // Browsers render each part of a mixed-replace stream, HTML included.
  'multipart/x-mixed-replace',
  'application/x-shockwave-flash',
  'application/futuresplash',
]);

// Every JavaScript spelling browsers accept (the WHATWG MIME Sniffing list and legacy x- forms).
const SCRIPT_SUBTYPE = /^(?:x-)?(?:javascript[\d.]*|ecmascript|jscript|livescript)$/;

/**
 * Content a browser would execute or render as a document with scripts if it were shown inline
 * from the bucket's origin: HTML, XHTML, SVG, any XML (XSLT can produce HTML), JavaScript.
 * Anything that is not a media type counts as active, as browsers sniff what they cannot parse.
 */
export function isActiveContentType(value: string): boolean {
  const essence = mediaTypeEssence(value);
  if (essence === undefined) return true;
  if (ACTIVE_TYPES.has(essence) || essence.endsWith('+xml')) return true;
  const [type, subtype = ''] = essence.split('/');
  return (type === 'text' || type === 'application') && SCRIPT_SUBTYPE.test(subtype);
}

// Types a browser does not trust as labelled: it sniffs the body instead, and may find HTML.
const SNIFFED_TYPES = new Set(['unknown/unknown', 'application/unknown', '*/*', 'application/octet-stream']);

/**
 * The media type a download may be served inline with, or undefined when it must be an attachment:
 * active content, types browsers sniff, and anything that is not a media type.
 */
export function inlineSafeType(value: string): string | undefined {
  const essence = mediaTypeEssence(value);
  if (essence === undefined || SNIFFED_TYPES.has(essence) || isActiveContentType(value)) return undefined;
  return value;
}
