import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import * as z from 'zod';
import type { components } from '../../../shared/api/schema';
import { ValidationError } from '../../../shared/domain/errors';
import { keyIn, SHARED_LEVEL, sharedFolder, writeFolder } from '../../../shared/domain/keys';
import { MAX_USERNAME_LENGTH, usernameOf } from '../../../shared/domain/usernames';
import { personOf } from '../../aws/people';
import type { AppDeps } from '../deps';
import { authenticate, parseBody } from '../http/request';
import { json } from '../http/response';
import { COPY_RESERVATION_SECONDS } from './create-copy';
import { headWithScan, scanningOf } from './scan-status';
import { group, key, level } from './schemas';

type Share = components['schemas']['Share'];

const Body = z.strictObject({
  level,
  key,
  group: group.optional(),
  with: z
    .string({ error: 'must be a string' })
    .min(1, 'must name a user')
    .max(MAX_USERNAME_LENGTH, `must be at most ${MAX_USERNAME_LENGTH} characters`),
});

/**
 * `POST /files/shares`: copies one of the caller's own objects to `shared/{caller}/{grantee}/{key}`,
 * the grantee named by username. Whom it reaches is decided by the user pool's answer (its `sub`),
 * never by an identity ID from the request; the copy is made with the caller's own credentials, so
 * storage still refuses anything that is not the caller's to read or write. With malware scanning,
 * the share is a new object, held until its own scan.
 */
export function createShareRoute({ config, identity, storage, userPool, quotas, people }: AppDeps) {
  return async (event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> => {
    const caller = authenticate(event, config.userPoolClientIds);
    const input = parseBody(event, Body);
    const callerId = await identity.identityId(caller);
    // The source is always the caller's own, or their group's: there is no owner to choose.
    const sourceFolder = writeFolder(input.level, callerId, input.group, identity.groupsOf(caller));
    const sourceKey = keyIn(sourceFolder, input.key);

    const grantee = await userPool.findUser(usernameOf(input.with, 'with'));
    // Compared by `sub`: an alias (an email) names the same user as the username.
    if (grantee.sub === caller.sub) throw ValidationError.of('with', 'must name another user than you');
    const granteeId = await identity.identityIdOfUser(grantee.sub);
    if (granteeId === callerId) throw ValidationError.of('with', 'must name another user than you');
    const targetKey = keyIn(sharedFolder(callerId, granteeId), input.key);
    // Both names on the share come from what the function resolved itself: the grantee from the
    // pool's answer, the caller from their verified claims.
    await Promise.all([
      people.record(personOf(granteeId, grantee)),
      people.record(personOf(callerId, caller)),
    ]);

    await identity.withSession(caller, {}, async (session) => {
      // A source storage does not serve (not scanned clean) answers the scan problem, not a 403.
      const { properties: source } = await headWithScan(
        scanningOf(config, sourceKey),
        storage,
        session,
        sourceKey,
      );
      // A share is a copy the caller stores: it counts toward their quota like any other.
      await quotas?.reserveUpload(callerId, targetKey, source.size, COPY_RESERVATION_SECONDS);
      // Sharing again replaces the share with the object as it is now.
      await storage.copy(session, { sourceKey, targetKey, source, ifNoneMatch: false });
    });

    const body: Share = {
      level: SHARED_LEVEL,
      key: input.key,
      grantee: granteeId,
      // As asked: with email usernames the pool's own username is an opaque ID.
      granteeUsername: input.with,
    };
    return json(201, body);
  };
}
