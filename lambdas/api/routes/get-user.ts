import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import * as z from 'zod';
import type { components } from '../../../shared/api/schema';
import { ownerPrefix } from '../../../shared/domain/keys';
import { displayName, usernameOf } from '../../../shared/domain/usernames';
import { personOf } from '../../aws/people';
import type { AppDeps } from '../deps';
import { authenticate, parseQuery } from '../http/request';
import { json } from '../http/response';

type UserLookup = components['schemas']['UserLookup'];

const Query = z.strictObject({});

/**
 * `GET /users/{username}`: one user of this pool, named by username or alias, with the folders
 * others may open (`protected`, `public`). Who it is comes from the user pool's answer (its `sub`),
 * and the identity from that `sub` exactly as sharing derives it; the user is then recorded for
 * the names on shares, since the pool itself answered for them.
 */
export function createGetUserRoute({ config, identity, userPool, people }: AppDeps) {
  return async (event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> => {
    authenticate(event, config.userPoolClientIds);
    parseQuery(event, Query);
    // API Gateway passes the path variable decoded.
    const name = usernameOf(event.pathParameters?.username);

    const user = await userPool.findUser(name);
    const identityId = await identity.identityIdOfUser(user.sub);
    await people.record(personOf(identityId, user));

    const body: UserLookup = {
      username: user.username,
      name: displayName(user),
      identityId,
      prefixes: {
        protected: ownerPrefix('protected', identityId),
        public: ownerPrefix('public', identityId),
      },
    };
    return json(200, body);
  };
}
