import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import * as z from 'zod';
import type { components } from '../../../shared/api/schema';
import { MAX_PART_URLS_PER_REQUEST, MAX_PARTS, partBytes } from '../../../shared/domain/multipart';
import type { AppDeps } from '../deps';
import { authenticate, parseBody } from '../http/request';
import { json } from '../http/response';
import { resolveUpload, uploadField } from './multipart-handle';
import { sha256 } from './schemas';

type PartUrls = components['schemas']['PartUrls'];

const Body = z.strictObject({
  upload: uploadField,
  parts: z
    .array(
      z.strictObject({
        number: z
          .number({ error: 'must be a part number' })
          .int('must be a whole number')
          .min(1, 'must be at least 1')
          .max(MAX_PARTS, `must be at most ${MAX_PARTS}`),
        sha256: sha256.optional(),
      }),
      { error: 'must be a list of parts' },
    )
    .min(1, 'must name at least one part')
    .max(MAX_PART_URLS_PER_REQUEST, `must name at most ${MAX_PART_URLS_PER_REQUEST} parts`)
    .refine(
      (parts) => new Set(parts.map((part) => part.number)).size === parts.length,
      'must name each part at most once',
    ),
});

/** `POST /files/multipart/parts`: presigned PUTs for parts of one of the caller's uploads. */
export function createSignPartsRoute({ config, identity, storage }: AppDeps) {
  const lifetimeSeconds = config.defaultUrlLifetimeSeconds;

  return async (event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> => {
    const caller = authenticate(event, config.userPoolClientIds);
    const input = parseBody(event, Body);
    const identityId = await identity.identityId(caller);
    const resolved = resolveUpload(
      input.upload,
      { identityId, groups: identity.groupsOf(caller) },
      config.uploadRules,
    );
    // Each part's exact length, from the recomputed plan: a part number past the end is refused.
    const sized = input.parts.map((part) => ({ ...part, size: partBytes(resolved.plan, part.number) }));
    const target = { key: resolved.fullKey, uploadId: resolved.handle.uploadId };

    const signed = await identity.withSession(caller, { lifetimeSeconds }, async (session) => {
      // A listing proves the upload exists for this key with these credentials, so a finished,
      // aborted or invented upload gets 404 instead of URLs that cannot work.
      await storage.checkUpload(session, target);
      return Promise.all(
        sized.map((part) =>
          storage.presignUploadPart(session, {
            ...target,
            partNumber: part.number,
            size: part.size,
            sha256: part.sha256,
            lifetimeSeconds,
          }),
        ),
      );
    });

    const body: PartUrls = {
      parts: sized.map((part, index) => {
        const presigned = signed[index];
        if (presigned === undefined) throw new Error('a part was not signed');
        return {
          number: part.number,
          size: part.size,
          method: 'PUT' as const,
          url: presigned.url,
          headers: { ...presigned.headers },
        };
      }),
      expiresAt: new Date(
        Math.min(...signed.map((presigned) => presigned.expiresAt.getTime())),
      ).toISOString(),
    };
    return json(201, body);
  };
}
