/**
 * The S3 request as the signature verifiers see it: method, raw path, decoded query (raw forms kept
 * for forwarding) and headers. Kept apart from verification because the gateway, the body reader
 * and the forwarder read requests through the same model.
 */
import type { HttpRequest } from '@smithy/types';
import { S3Error } from '../s3/errors';

/** One query parameter, decoded, with its raw form kept for forwarding unchanged. */
export interface QueryParameter {
  readonly name: string;
  readonly value: string;
  readonly raw: string;
}

/** What the verifier needs of an HTTP request; header names lowercase, values as received. */
export interface SignedRequest {
  readonly method: string;
  /** The path exactly as received (still percent-encoded). */
  readonly rawPath: string;
  readonly query: readonly QueryParameter[];
  readonly headers: Readonly<Record<string, readonly string[] | undefined>>;
}

/** Splits a raw query string into decoded parameters (S3 style: `+` is a literal plus). */
export function parseQuery(rawQuery: string): QueryParameter[] {
  if (rawQuery === '') return [];
  return rawQuery.split('&').map((raw) => {
    const equals = raw.indexOf('=');
    const rawName = equals === -1 ? raw : raw.slice(0, equals);
    const rawValue = equals === -1 ? '' : raw.slice(equals + 1);
    try {
      return { name: decodeURIComponent(rawName), value: decodeURIComponent(rawValue), raw };
    } catch {
      throw new S3Error(400, 'InvalidURI', "Couldn't parse the specified URI.");
    }
  });
}

/** A header's value as SigV4 canonicalizes repeated headers: joined with commas. */
export function headerValue(request: SignedRequest, name: string): string | undefined {
  const values = request.headers[name];
  return values && values.length > 0 ? values.join(',') : undefined;
}

function toQueryBag(parameters: readonly QueryParameter[]): Record<string, string | string[]> {
  const bag: Record<string, string | string[]> = {};
  for (const { name, value } of parameters) {
    const existing = Object.hasOwn(bag, name) ? bag[name] : undefined;
    if (existing === undefined) bag[name] = value;
    else bag[name] = Array.isArray(existing) ? [...existing, value] : [existing, value];
  }
  return bag;
}

export function httpRequest(
  request: SignedRequest,
  query: readonly QueryParameter[],
  headers: Record<string, string>,
): HttpRequest {
  const host = headerValue(request, 'host') ?? '';
  return {
    method: request.method,
    protocol: 'http:',
    hostname: host.replace(/:\d+$/, ''),
    path: request.rawPath,
    query: toQueryBag(query),
    headers,
  };
}

/** The signed headers' values, as the request carries them (absent ones simply missing). */
export function signedHeaderValues(
  request: SignedRequest,
  signedHeaders: readonly string[],
): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const name of signedHeaders) {
    const value = headerValue(request, name);
    if (value !== undefined) headers[name] = value;
  }
  return headers;
}

/**
 * The request's `x-amz-*` parameters, from its headers and its query (where S3 applies them like
 * headers). Each may be given once, in one place: otherwise the policy could judge one value while
 * storage acted on another (a query `x-amz-copy-source` beside a header of the same name).
 */
export function amzParameters(request: SignedRequest, query: readonly QueryParameter[]): Map<string, string> {
  const amz = new Map<string, string>();
  const twice = (name: string) =>
    new S3Error(400, 'InvalidArgument', `${name} must be given once, as a header or as a query parameter.`, {
      ArgumentName: name,
    });
  for (const [name, values] of Object.entries(request.headers)) {
    if (!name.startsWith('x-amz-') || values === undefined || values.length === 0) continue;
    if (values.length > 1) throw twice(name);
    amz.set(name, values.join(','));
  }
  for (const parameter of query) {
    const name = parameter.name.toLowerCase();
    if (!name.startsWith('x-amz-')) continue;
    if (amz.has(name)) throw twice(name);
    amz.set(name, parameter.value);
  }
  return amz;
}
