import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import * as z from 'zod';
import type { components } from '../../shared/api/schema';
import { resolveLifetime } from '../../shared/domain/expiry';
import { keyIn, resolveFolder } from '../../shared/domain/keys';
import { inlineSafeType } from '../../shared/domain/media-types';
import type { AppDeps } from '../deps';
import { contentDisposition } from '../http/content-disposition';
import { authenticate, parseBody } from '../http/request';
import { json } from '../http/response';
import { anyLevel, grantee, key, owner } from './schemas';

type PresignedRequest = components['schemas']['PresignedRequest'];

const Body = z.strictObject({
  level: anyLevel,
  key,
  owner: owner.optional(),
  grantee: grantee.optional(),
  expiresIn: z.number({ error: 'must be a number of seconds' }).optional(),
  filename: z.string({ error: 'must be a string' }).optional(),
  inline: z.boolean({ error: 'must be true or false' }).optional(),
});

/**
 * `POST /files/downloads`: a presigned GET for the caller's object or another owner's readable one.
 *
 * Every URL is signed with `response-content-disposition: attachment` unless the caller asks for
 * `inline`: then one HEAD (the caller's credentials) reads the object's type, and only a type that
 * cannot run script is signed inline, with that type pinned as `response-content-type` so an owner
 * who replaces the object with HTML later still cannot get it rendered through this URL. Active
 * content (HTML, SVG, XML, JavaScript) and unknown types stay attachments.
 */
export function createDownloadRoute({ config, identity, storage }: AppDeps) {
  const limits = {
    defaultSeconds: config.defaultUrlLifetimeSeconds,
    maxSeconds: config.maxUrlLifetimeSeconds,
  };

  return async (event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> => {
    const caller = authenticate(event, config.userPoolClientIds);
    const input = parseBody(event, Body);
    const lifetimeSeconds = resolveLifetime(input.expiresIn, limits);
    // Built now so a bad filename is refused before any AWS call.
    const attachment = contentDisposition('attachment', input.filename);
    const callerId = await identity.identityId(caller);
    const folder = resolveFolder(input.level, callerId, input);
    const fullKey = keyIn(folder, input.key);

    // Without `inline`, no HEAD: the URL itself is the check (storage answers 403/404 to the
    // download), and the caller's credentials decide what it may read.
    const presigned = await identity.withSession(caller, { lifetimeSeconds }, async (session) => {
      await storage.checkCredentials(session);
      const safeType = input.inline
        ? inlineSafeType((await storage.head(session, fullKey)).contentType)
        : undefined;
      return storage.presignGet(session, {
        key: fullKey,
        lifetimeSeconds,
        ...(safeType === undefined
          ? { contentDisposition: attachment }
          : { contentDisposition: contentDisposition('inline', input.filename), contentType: safeType }),
      });
    });

    const body: PresignedRequest = {
      method: 'GET',
      url: presigned.url,
      headers: {},
      expiresAt: presigned.expiresAt.toISOString(),
      level: input.level,
      owner: folder.owner,
      ...(folder.grantee === undefined ? {} : { grantee: folder.grantee }),
      key: input.key,
    };
    return json(201, body);
  };
}
