import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import * as z from 'zod';
import type { components } from '../../../shared/api/schema';
import { groupOwner, groupPrefix } from '../../../shared/domain/groups';
import { levelFolder, listedKeyIn, ownerPrefix, sharedFolder } from '../../../shared/domain/keys';
import type { LevelUploadRule } from '../../../shared/domain/upload-rules';
import { displayName } from '../../../shared/domain/usernames';
import { ownerOf } from '../../../shared/events/s3-event';
import type { Rejection } from '../../aws/ledger';
import { personOf } from '../../aws/people';
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

/** How many of the newest removed objects `GET /me` lists. */
export const ME_REJECTIONS = 10;

type Standing = Awaited<ReturnType<NonNullable<AppDeps['quotas']>['standing']>>;

/** The `Usage` answer of a partition's standing; a group's also counts its `groups` level. */
function usageOf(current: Standing, group = false): NonNullable<Me['usage']> {
  const { levels } = current.usage;
  return {
    bytes: current.usage.bytes,
    objects: current.usage.objects,
    reservedBytes: current.standing.reservedBytes,
    reservedObjects: current.standing.reservedObjects,
    levels: {
      private: { ...levels.private },
      protected: { ...levels.protected },
      public: { ...levels.public },
      shared: { ...levels.shared },
      ...(group ? { groups: { ...levels.groups } } : {}),
    },
  };
}

/** The deployment's limits: URL lifetimes and each level's upload rule. */
function limitsOf(config: AppDeps['config']): Me['limits'] {
  return {
    maxUploadBytes: config.maxUploadBytes,
    maxUrlLifetimeSeconds: config.maxUrlLifetimeSeconds,
    defaultUrlLifetimeSeconds: config.defaultUrlLifetimeSeconds,
    uploads: {
      private: uploadRule(config.uploadRules.private),
      protected: uploadRule(config.uploadRules.protected),
      public: uploadRule(config.uploadRules.public),
      groups: uploadRule(config.uploadRules.groups),
    },
  };
}

/** What clients need to show scan statuses; absent when the deployment does not scan. */
function malwareScanningOf(config: AppDeps['config']): Pick<Me, 'malwareScanning'> {
  const scanning = config.malwareScanning;
  return scanning === undefined
    ? {}
    : { malwareScanning: { prefixes: [...scanning.prefixes], onUnsupported: scanning.onUnsupported } };
}

/**
 * The caller's rejections, addressed as listings address keys: as in listings, a key that breaks the
 * key rules (written around the API) is never returned.
 */
function ownRejections(identityId: string, rejections: readonly Rejection[]): NonNullable<Me['rejections']> {
  return rejections.flatMap((rejection) => {
    const where = ownerOf(rejection.key);
    if (where === undefined || where.owner !== identityId) return [];
    const folder =
      where.grantee === undefined
        ? levelFolder(where.level, identityId)
        : sharedFolder(identityId, where.grantee);
    const key = listedKeyIn(folder, rejection.key);
    if (key === undefined) return [];
    return [
      {
        level: where.level,
        ...(where.grantee === undefined ? {} : { grantee: where.grantee }),
        key,
        reason: rejection.reason,
        detail: rejection.detail,
        at: rejection.at,
      },
    ];
  });
}

/** `GET /me`: who the caller is, where their folders are, the deployment's limits, usage and quota. */
export function createGetMeRoute({ config, identity, ledger, quotas, people }: AppDeps) {
  const limits = limitsOf(config);
  const malwareScanning = malwareScanningOf(config);
  return async (event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> => {
    const caller = authenticate(event, config.userPoolClientIds);
    parseQuery(event, Query);
    // Only the identity ID is needed: no credentials are fetched for this route.
    const identityId = await identity.identityId(caller);
    // The verified claims say who this identity is: the name others see on shares.
    const recording = people.record(personOf(identityId, caller));
    const body: Me = {
      identityId,
      sub: caller.sub,
      username: caller.username,
      name: displayName(caller),
      prefixes: {
        private: ownerPrefix('private', identityId),
        protected: ownerPrefix('protected', identityId),
        public: ownerPrefix('public', identityId),
      },
      limits,
      ...malwareScanning,
    };
    const groups = identity.groupsOf(caller);
    if (groups !== 'direct-mode') {
      body.groups = groups.carried.map((name) => ({ name, prefix: groupPrefix(name) }));
      body.groupsBeyond = [...groups.beyond];
    }
    if (ledger !== undefined && quotas !== undefined) {
      const [current, rejections] = await Promise.all([
        quotas.standing(identityId),
        ledger.rejections(identityId, ME_REJECTIONS),
      ]);
      body.usage = usageOf(current);
      body.quota = { ...current.quota };
      // Each group's usage and quota, read from its own partition like the caller's.
      body.groups = await Promise.all(
        (body.groups ?? []).map(async (group) => {
          const standing = await quotas.standing(groupOwner(group.name));
          return { ...group, usage: usageOf(standing, true), quota: { ...standing.quota } };
        }),
      );
      body.rejections = ownRejections(identityId, rejections);
    }
    await recording;
    return json(200, body);
  };
}
