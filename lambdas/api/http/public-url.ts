/**
 * Permanent links in the function's answers: the API's URL as the caller reached it (the stage on
 * the default domain, or a custom domain's base path), and the link of a `public` object.
 */
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { publicLink } from '../../../shared/domain/public-links';
import { readHeader } from './request';

/**
 * `{scheme}://{domain}{base path}`: `requestContext.path` is the whole path the client asked for,
 * `path` the part the API's resources match, so what precedes it is the stage (or base path).
 * API Gateway sets `X-Forwarded-Proto`; only `http` (the local stack) is taken from it.
 */
export function apiUrlOf(event: APIGatewayProxyEvent): string {
  const { domainName, path: fullPath, stage } = event.requestContext;
  const scheme = readHeader(event, 'X-Forwarded-Proto') === 'http' ? 'http' : 'https';
  const base = fullPath.endsWith(event.path)
    ? fullPath.slice(0, fullPath.length - event.path.length)
    : `/${stage}`;
  return `${scheme}://${domainName}${base}`;
}

type Where = { readonly level: string; readonly owner?: string | undefined; readonly key: string };

/**
 * The `publicUrl` field of answers about objects: only in `public`, only with guest access. The
 * API's URL is read off the event once, however many objects (a listing's page) get a link.
 */
export function publicUrlFields(
  event: APIGatewayProxyEvent,
  guests: boolean,
): (where: Where) => { publicUrl?: string } {
  if (!guests) return () => ({});
  const apiUrl = apiUrlOf(event);
  return (where) =>
    where.level !== 'public' || where.owner === undefined
      ? {}
      : { publicUrl: publicLink(apiUrl, where.owner, where.key) };
}

/** `publicUrlFields` for an answer about one object. */
export const publicUrlField = (event: APIGatewayProxyEvent, guests: boolean, where: Where) =>
  publicUrlFields(event, guests)(where);
