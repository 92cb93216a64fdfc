/**
 * The guest routes: permanent links (`GET`/`HEAD /public/{owner}/{key+}`) and one owner's public
 * folder (`GET /public/{owner}`). No token: every storage call is made with the deployment's guest
 * session, so the unauthenticated role's policy decides what anyone may read. Missing and "not
 * yours to read" are the same 404, so a link tells nothing about what is not public.
 */
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import * as z from 'zod';
import {
  AppError,
  ForbiddenError,
  NotFoundError,
  ScanBlockedError,
  ValidationError,
} from '../../../shared/domain/errors';
import { isIdentityId, keyIn, levelFolder } from '../../../shared/domain/keys';
import { inlineSafeType } from '../../../shared/domain/media-types';
import { publicLink, redirectMaxAgeSeconds } from '../../../shared/domain/public-links';
import { fromAwsError } from '../../aws/errors';
import type { GuestSessions, IdentitySession } from '../../aws/identity';
import type { Storage } from '../../aws/storage';
import type { Config } from '../config';
import type { AppDeps } from '../deps';
import { contentDisposition } from '../http/content-disposition';
import { apiUrlOf } from '../http/public-url';
import { parseQuery } from '../http/request';
import { COMMON_HEADERS, json } from '../http/response';
import { ListingQuery, listFolder } from './list-files';
import { headWithScan, scanningOf } from './scan-status';

const LinkQuery = z.strictObject({
  inline: z.enum(['0', '1'], { error: 'must be 0 or 1' }).optional(),
});
const FolderQuery = z.strictObject(ListingQuery);

/** The owner path variable: an identity ID, or a 400 naming `owner`. */
function ownerOf(event: APIGatewayProxyEvent): string {
  const owner = event.pathParameters?.owner;
  if (!isIdentityId(owner)) {
    throw ValidationError.of('owner', 'must be a Cognito identity ID such as "us-east-1:<uuid>"');
  }
  return owner;
}

/** The full key of a permanent link: the key rules, with a 400 naming `key`. */
function linkedKey(event: APIGatewayProxyEvent, owner: string): string {
  return keyIn(levelFolder('public', owner), event.pathParameters?.key ?? '');
}

/**
 * Refusals and absences answer alike: a guest learns only that there is no such public file, nor
 * whether one is held for good by the malware scan. Only a pending scan is told (409, retry).
 */
async function readable<T>(work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (error) {
    // Anything else (rejected credentials above all, which `withSession` retries) goes on as it is.
    const known = error instanceof AppError ? error : fromAwsError(error);
    if (
      known instanceof NotFoundError ||
      known instanceof ForbiddenError ||
      known instanceof ScanBlockedError
    ) {
      throw new NotFoundError('no such public file');
    }
    throw error;
  }
}

/**
 * The presigned GET a permanent link redirects to, after one HEAD (so a deleted file is 404 at once)
 * and, for a scanned key, one tag read at the same time (so a file storage holds gets no URL).
 */
async function signLink(
  { config, storage }: { readonly config: Config; readonly storage: Storage },
  session: IdentitySession,
  fullKey: string,
  input: { readonly inline: boolean; readonly lifetimeSeconds: number },
) {
  const { properties } = await readable(headWithScan(scanningOf(config, fullKey), storage, session, fullKey));
  const safeType = input.inline ? inlineSafeType(properties.contentType) : undefined;
  return storage.presignGet(session, {
    key: fullKey,
    lifetimeSeconds: input.lifetimeSeconds,
    ...(safeType === undefined
      ? { contentDisposition: contentDisposition('attachment', undefined) }
      : { contentDisposition: contentDisposition('inline', undefined), contentType: safeType }),
  });
}

/** `GET`/`HEAD /public/{owner}/{key+}`: 302 to a URL signed with the guest session. */
export function createPublicFileRoute({ config, storage, now }: AppDeps, guest: GuestSessions) {
  const reader = { config, storage };
  return async (event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> => {
    const owner = ownerOf(event);
    const fullKey = linkedKey(event, owner);
    const query = parseQuery(event, LinkQuery);
    const lifetimeSeconds = config.defaultUrlLifetimeSeconds;
    const inline = query.inline === '1';
    const url = await guest.withSession({ lifetimeSeconds }, (session) =>
      signLink(reader, session, fullKey, { inline, lifetimeSeconds }),
    );
    const maxAge = redirectMaxAgeSeconds((url.expiresAt.getTime() - now()) / 1000);
    return {
      statusCode: 302,
      headers: { ...COMMON_HEADERS, Location: url.url, 'Cache-Control': `public, max-age=${maxAge}` },
      body: '',
    };
  };
}

/** `GET /public/{owner}`: one page of one owner's public folder, each item with its permanent link. */
export function createPublicFolderRoute({ storage }: AppDeps, guest: GuestSessions) {
  return async (event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> => {
    const owner = ownerOf(event);
    const query = parseQuery(event, FolderQuery);
    const apiUrl = apiUrlOf(event);
    const body = await listFolder(
      storage,
      (work) => guest.withSession({}, work),
      levelFolder('public', owner),
      query,
      { linkOf: (key) => ({ publicUrl: publicLink(apiUrl, owner, key) }) },
    );
    return json(200, body);
  };
}
