/**
 * A strict reader for the small XML documents S3 requests carry (DeleteObjects,
 * CompleteMultipartUpload). The gateway authorizes what this reader returns and forwards a body
 * re-serialized from it, never the client's bytes, so no other parser can see another document.
 * Those rebuilt documents take their namespace and declaration from here too.
 *
 * Refused, as S3 refuses them: anything but UTF-8, a DOCTYPE (and so any internal subset or entity
 * definition), processing instructions other than the leading XML declaration, undefined entity
 * references, characters XML 1.0 forbids, namespace prefixes, and mixed content.
 */
import { malformedXml } from './errors';

export interface XmlElement {
  readonly name: string;
  readonly children: readonly XmlElement[];
  /** Character data of a leaf element (entity references resolved, line ends normalized). */
  readonly text: string;
}

const NAME = /[A-Za-z_][A-Za-z0-9._-]*/y;
const ATTRIBUTE = /\s+([A-Za-z_][A-Za-z0-9._:-]*)\s*=\s*(?:"([^"<]*)"|'([^'<]*)')/y;
const XML_DECLARATION =
  /^<\?xml\s+version\s*=\s*(["'])1\.\d+\1(?:\s+encoding\s*=\s*(["'])([A-Za-z][A-Za-z0-9._-]*)\2)?(?:\s+standalone\s*=\s*(["'])(?:yes|no)\4)?\s*\?>/;
// Everything outside XML 1.0's Char production (lone surrogates cannot survive strict decoding).
const FORBIDDEN_CHARACTER = /[^\t\n\r\x20-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;
const PREDEFINED: Readonly<Record<string, string>> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };
const MAX_DEPTH = 8;

function decodeUtf8(body: Buffer): string {
  try {
    const text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(body);
    return text;
  } catch {
    throw malformedXml();
  }
}

/** Resolves entity and character references in character data; anything undefined is refused. */
function resolveReferences(raw: string): string {
  // XML parsers turn literal CR LF and lone CR into LF; a CR written as &#13; survives.
  const normalized = raw.replace(/\r\n?/g, '\n');
  return normalized.replace(/&([^;&]*);?/g, (match, name: string) => {
    if (!match.endsWith(';')) throw malformedXml();
    const predefined = PREDEFINED[name];
    if (predefined !== undefined) return predefined;
    const numeric = /^#(?:x([0-9A-Fa-f]{1,6})|([0-9]{1,7}))$/.exec(name);
    if (!numeric) throw malformedXml();
    const code = numeric[1] !== undefined ? Number.parseInt(numeric[1], 16) : Number(numeric[2]);
    if (code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) throw malformedXml();
    const character = String.fromCodePoint(code);
    if (FORBIDDEN_CHARACTER.test(character)) throw malformedXml();
    return character;
  });
}

class Reader {
  private position = 0;
  constructor(private readonly text: string) {}

  parse(): XmlElement {
    const declaration = XML_DECLARATION.exec(this.text);
    if (declaration) {
      const encoding = declaration[3];
      if (encoding !== undefined && !/^utf-?8$/i.test(encoding)) throw malformedXml();
      this.position = declaration[0].length;
    }
    this.skipMisc();
    if (!this.text.startsWith('<', this.position)) throw malformedXml();
    const root = this.element(1);
    this.skipMisc();
    if (this.position !== this.text.length) throw malformedXml();
    return root;
  }

  /** Whitespace and comments; a DOCTYPE or processing instruction here is refused. */
  private skipMisc(): void {
    for (;;) {
      while (/\s/.test(this.text[this.position] ?? '')) this.position += 1;
      if (!this.text.startsWith('<!--', this.position)) return;
      this.comment();
    }
  }

  private comment(): void {
    const end = this.text.indexOf('-->', this.position + 4);
    if (end === -1) throw malformedXml();
    const body = this.text.slice(this.position + 4, end);
    if (body.includes('--') || body.endsWith('-')) throw malformedXml();
    this.position = end + 3;
  }

  private name(): string {
    NAME.lastIndex = this.position;
    const match = NAME.exec(this.text);
    if (!match) throw malformedXml();
    this.position = NAME.lastIndex;
    return match[0];
  }

  private element(depth: number): XmlElement {
    if (depth > MAX_DEPTH) throw malformedXml();
    this.position += 1; // '<'
    const name = this.name();
    // A prefixed name (`s3:Key`) would need namespace processing to mean anything: refused.
    if (this.text[this.position] === ':') throw malformedXml();
    const seen = new Set<string>();
    for (;;) {
      ATTRIBUTE.lastIndex = this.position;
      const attribute = ATTRIBUTE.exec(this.text);
      if (!attribute) break;
      const attributeName = attribute[1] ?? '';
      if (seen.has(attributeName)) throw malformedXml();
      seen.add(attributeName);
      resolveReferences(attribute[2] ?? attribute[3] ?? '');
      this.position = ATTRIBUTE.lastIndex;
    }
    while (/\s/.test(this.text[this.position] ?? '')) this.position += 1;
    if (this.text.startsWith('/>', this.position)) {
      this.position += 2;
      return { name, children: [], text: '' };
    }
    if (this.text[this.position] !== '>') throw malformedXml();
    this.position += 1;

    const children: XmlElement[] = [];
    let text = '';
    for (;;) {
      const next = this.text.indexOf('<', this.position);
      if (next === -1) throw malformedXml();
      const raw = this.text.slice(this.position, next);
      if (raw.includes(']]>')) throw malformedXml();
      text += resolveReferences(raw);
      this.position = next;
      if (this.text.startsWith('</', next)) {
        this.position += 2;
        if (this.name() !== name) throw malformedXml();
        while (/\s/.test(this.text[this.position] ?? '')) this.position += 1;
        if (this.text[this.position] !== '>') throw malformedXml();
        this.position += 1;
        break;
      }
      if (this.text.startsWith('<!--', next)) {
        this.comment();
      } else if (this.text.startsWith('<![CDATA[', next)) {
        const end = this.text.indexOf(']]>', next + 9);
        if (end === -1) throw malformedXml();
        text += this.text.slice(next + 9, end).replace(/\r\n?/g, '\n');
        this.position = end + 3;
      } else if (this.text.startsWith('<!', next) || this.text.startsWith('<?', next)) {
        throw malformedXml();
      } else {
        children.push(this.element(depth + 1));
      }
    }
    // Mixed content: text beside child elements is no part of any S3 request schema.
    if (children.length > 0 && text.trim() !== '') throw malformedXml();
    return { name, children, text: children.length > 0 ? '' : text };
  }
}

/** Parses one S3 request document; throws MalformedXML for anything outside the strict subset. */
export function parseStrictXml(body: Buffer): XmlElement {
  const text = decodeUtf8(body);
  if (FORBIDDEN_CHARACTER.test(text)) throw malformedXml();
  return new Reader(text.startsWith('\uFEFF') ? text.slice(1) : text).parse();
}

/**
 * The children of `element`, checked against a schema: each name must be listed, with how many
 * times it may occur. Returns them grouped by name.
 */
export function childrenOf(
  element: XmlElement,
  schema: Readonly<Record<string, { min: number; max: number }>>,
): Map<string, XmlElement[]> {
  const groups = new Map<string, XmlElement[]>();
  for (const child of element.children) {
    if (!Object.hasOwn(schema, child.name)) throw malformedXml();
    const group = groups.get(child.name) ?? [];
    group.push(child);
    groups.set(child.name, group);
  }
  for (const [name, { min, max }] of Object.entries(schema)) {
    const count = groups.get(name)?.length ?? 0;
    if (count < min || count > max) throw malformedXml();
  }
  return groups;
}

/** A leaf's text; a leaf must have no child elements. */
export function leafText(element: XmlElement | undefined): string | undefined {
  if (element === undefined) return undefined;
  if (element.children.length > 0) throw malformedXml();
  return element.text;
}

/** The namespace of every document the gateway writes for moto or the client. */
export const S3_NAMESPACE = 'http://s3.amazonaws.com/doc/2006-03-01/';

/** A document the gateway writes (a rebuilt request body, a result), with S3's declaration. */
export function xmlDocument(root: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n${root}`;
}
