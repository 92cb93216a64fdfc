/**
 * The environment contract: what the construct and the local stack write, each function reads back
 * unchanged, and both functions accept every value the construct does.
 */
import { describe, expect, test } from 'vitest';
import { loadConfig } from '../../../../lambdas/api/config';
import { loadEventsConfig } from '../../../../lambdas/events/config';
import {
  API_FUNCTION_VARIABLES,
  type ApiSettings,
  BOUNDS,
  EVENTS_FUNCTION_VARIABLES,
  type EventsSettings,
  readEnvironment,
  writeEnvironment,
} from '../../../../shared/contract/environment';

const GIB = 1024 ** 3;

const api: ApiSettings = {
  region: 'eu-west-2',
  userPoolId: 'eu-west-2_AbC123',
  userPoolClientIds: ['web1', 'mobile2'],
  identityPoolId: 'eu-west-2:0b6c3b5e-8f9e-4c2a-9f3d-2f2b0d2f9c11',
  bucketName: 'my-bucket',
  allowedOrigins: ['https://app.example.com', 'http://localhost:5173'],
  maxUploadBytes: 10 * GIB,
  defaultUrlLifetimeSeconds: 600,
  maxUrlLifetimeSeconds: 3600,
  identityDirectoryTable: 'directory',
  ledgerTable: 'ledger',
  quotaBytes: 5 * GIB,
  quotaObjects: 1000,
  groupQuotaBytes: 20 * GIB,
  groupQuotaObjects: 5000,
  uploadRules: { public: { maxUploadBytes: 1024 ** 4, allowedContentTypes: ['image/*'] } },
  accessMode: 'direct',
  authenticatedRoleArn: 'arn:aws:iam::123456789012:role/authenticated',
  sessionDurationSeconds: 3600,
  incompleteUploadExpiryDays: 30,
};

describe('the environment contract', () => {
  test('the API function reads back exactly what was written', () => {
    expect(readEnvironment(API_FUNCTION_VARIABLES, writeEnvironment(api))).toEqual(api);
  });

  test('the events function reads back exactly what was written', () => {
    const events: EventsSettings = {
      region: api.region,
      bucketName: api.bucketName,
      ledgerTable: 'ledger',
      maxUploadBytes: BOUNDS.maxUploadBytes.max,
      groupQuotaBytes: 20 * GIB,
      groupQuotaObjects: 5000,
      uploadRules: { private: { maxUploadBytes: 10 * GIB }, groups: { maxUploadBytes: GIB } },
    };
    expect(readEnvironment(EVENTS_FUNCTION_VARIABLES, writeEnvironment(events))).toEqual(events);
  });

  test('both functions read the same user and group quotas from what was written', () => {
    const env = writeEnvironment(api);
    expect(env).toMatchObject({ GROUP_QUOTA_BYTES: String(20 * GIB), GROUP_QUOTA_OBJECTS: '5000' });
    for (const config of [loadConfig(env), loadEventsConfig(env)]) {
      expect(config.quota).toEqual({ bytes: 5 * GIB, objects: 1000 });
      expect(config.groupQuota).toEqual({ bytes: 20 * GIB, objects: 5000 });
    }
  });

  test('both functions accept the largest upload size the construct accepts', () => {
    const env = writeEnvironment({ ...api, maxUploadBytes: BOUNDS.maxUploadBytes.max });
    expect(loadConfig(env).maxUploadBytes).toBe(BOUNDS.maxUploadBytes.max);
    expect(loadEventsConfig(env).uploadRules.private.maxUploadBytes).toBe(BOUNDS.maxUploadBytes.max);
  });

  test('a value a function would refuse is named, never silently dropped', () => {
    const env = writeEnvironment({ ...api, maxUploadBytes: BOUNDS.maxUploadBytes.max + 1 });
    expect(() => loadConfig(env)).toThrow(/MAX_UPLOAD_BYTES: /);
    expect(() => loadEventsConfig(env)).toThrow(/MAX_UPLOAD_BYTES: /);
  });

  test('the events function needs its ledger', () => {
    const { ledgerTable: _, ...rest } = api;
    expect(() => loadEventsConfig(writeEnvironment(rest))).toThrow(/LEDGER_TABLE: is required/);
  });
});
