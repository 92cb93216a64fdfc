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

/** The `publicUrl` field of an answer about an object: only in `public`, only with guest access. */
export function publicUrlField(
  event: APIGatewayProxyEvent,
  guests: boolean,
  where: { readonly level: string; readonly owner?: string | undefined; readonly key: string },
): { publicUrl?: string } {
  if (!guests || where.level !== 'public' || where.owner === undefined) return {};
  return { publicUrl: publicLink(apiUrlOf(event), where.owner, where.key) };
}
