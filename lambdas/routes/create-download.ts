import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import * as z from 'zod';
import type { components } from '../../shared/api/schema';
import { resolveLifetime } from '../../shared/domain/expiry';
import { resolveOwner, toObjectKey } from '../../shared/domain/keys';
import type { AppDeps } from '../deps';
import { attachmentDisposition } from '../http/content-disposition';
import { authenticate, parseBody } from '../http/request';
import { json } from '../http/response';
import { key, level, owner } from './schemas';

type PresignedRequest = components['schemas']['PresignedRequest'];

const Body = z.strictObject({
  level,
  key,
  owner: owner.optional(),
  expiresIn: z.number({ error: 'must be a number of seconds' }).optional(),
  filename: z.string({ error: 'must be a string' }).optional(),
});

/** `POST /files/downloads`: a presigned GET for the caller's object or another owner's readable one. */
export function createDownloadRoute({ config, identity, storage }: AppDeps) {
  const limits = {
    defaultSeconds: config.defaultUrlLifetimeSeconds,
    maxSeconds: config.maxUrlLifetimeSeconds,
  };

  return async (event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> => {
    const caller = authenticate(event, config.userPoolClientIds);
    const input = parseBody(event, Body);
    const lifetimeSeconds = resolveLifetime(input.expiresIn, limits);
    const contentDisposition =
      input.filename === undefined ? undefined : attachmentDisposition(input.filename);
    const callerId = await identity.identityId(caller);
    const objectOwner = resolveOwner(input.level, callerId, input.owner);
    const fullKey = toObjectKey(input.level, objectOwner, input.key);

    // No HEAD first: the URL itself is the check (storage answers 403/404 to the download), and
    // the caller's credentials decide what it may read.
    const presigned = await identity.withSession(caller, { lifetimeSeconds }, async (session) => {
      await storage.checkCredentials(session);
      return storage.presignGet(session, { key: fullKey, contentDisposition, lifetimeSeconds });
    });

    const body: PresignedRequest = {
      method: 'GET',
      url: presigned.url,
      headers: {},
      expiresAt: presigned.expiresAt.toISOString(),
      level: input.level,
      owner: objectOwner,
      key: input.key,
    };
    return json(201, body);
  };
}
