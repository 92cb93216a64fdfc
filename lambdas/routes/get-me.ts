import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import * as z from 'zod';
import type { components } from '../../shared/api/schema';
import { ownerPrefix } from '../../shared/domain/keys';
import type { LevelUploadRule } from '../../shared/domain/upload-rules';
import type { AppDeps } from '../deps';
import { authenticate, parseQuery } from '../http/request';
import { json } from '../http/response';

type Me = components['schemas']['Me'];
type UploadRule = components['schemas']['UploadRule'];

function uploadRule(rule: LevelUploadRule): UploadRule {
  const { maxUploadBytes, allowedContentTypes } = rule;
  return allowedContentTypes === undefined
    ? { maxUploadBytes }
    : { maxUploadBytes, allowedContentTypes: [...allowedContentTypes] };
}

const Query = z.strictObject({});

/** `GET /me`: who the caller is, where their folders are, and the deployment's limits. */
export function createGetMeRoute({ config, identity }: AppDeps) {
  const limits: Me['limits'] = {
    maxUploadBytes: config.maxUploadBytes,
    maxUrlLifetimeSeconds: config.maxUrlLifetimeSeconds,
    defaultUrlLifetimeSeconds: config.defaultUrlLifetimeSeconds,
    uploads: {
      private: uploadRule(config.uploadRules.private),
      protected: uploadRule(config.uploadRules.protected),
      public: uploadRule(config.uploadRules.public),
    },
  };
  return async (event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> => {
    const caller = authenticate(event, config.userPoolClientIds);
    parseQuery(event, Query);
    // Only the identity ID is needed: no credentials are fetched for this route.
    const identityId = await identity.identityId(caller);
    const body: Me = {
      identityId,
      sub: caller.sub,
      username: caller.username,
      prefixes: {
        private: ownerPrefix('private', identityId),
        protected: ownerPrefix('protected', identityId),
        public: ownerPrefix('public', identityId),
      },
      limits,
    };
    return json(200, body);
  };
}
