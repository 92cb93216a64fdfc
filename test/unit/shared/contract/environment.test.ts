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
      groupQuotaBytes: 50 * GIB,
      groupQuotaObjects: 0,
      maxUploadBytes: BOUNDS.maxUploadBytes.max,
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

  test('a group quota needs the ledger it is counted in, in whichever function reads both', () => {
    const { ledgerTable: _, ...rest } = api;
    const message = /LEDGER_TABLE: must be set when GROUP_QUOTA_BYTES or GROUP_QUOTA_OBJECTS is/;
    expect(() =>
      loadConfig(writeEnvironment({ ...rest, quotaBytes: undefined, quotaObjects: undefined })),
    ).toThrow(message);
    expect(() => readEnvironment(['ledgerTable', 'groupQuotaObjects'], { GROUP_QUOTA_OBJECTS: '5' })).toThrow(
      message,
    );
    expect(() => readEnvironment(EVENTS_FUNCTION_VARIABLES, writeEnvironment(rest))).toThrow(message);
    // A reader that does not read the ledger has no such rule to apply.
    expect(readEnvironment(['groupQuotaBytes'], { GROUP_QUOTA_BYTES: '5' })).toEqual({ groupQuotaBytes: 5 });
    expect(readEnvironment(['ledgerTable', 'groupQuotaBytes'], {})).toEqual({});
  });

  test('a group quota is a whole number, named when it is not', () => {
    const env = { ...writeEnvironment(api), GROUP_QUOTA_BYTES: '1e9' };
    expect(() => loadConfig(env)).toThrow(/GROUP_QUOTA_BYTES: must be a whole number of bytes/);
    expect(() => loadEventsConfig({ ...env, GROUP_QUOTA_BYTES: '', GROUP_QUOTA_OBJECTS: '-1' })).toThrow(
      /GROUP_QUOTA_OBJECTS: must be a whole number of objects/,
    );
  });

  test('the events function needs its ledger', () => {
    // Without a group quota, whose own rule would name the ledger first (above).
    const { ledgerTable: _, groupQuotaBytes: _bytes, groupQuotaObjects: _objects, ...rest } = api;
    expect(() => loadEventsConfig(writeEnvironment(rest))).toThrow(/LEDGER_TABLE: is required/);
  });

  test('MALWARE_SCANNING takes true and false in any case, 1 and 0, or the settings as JSON', () => {
    const read = (value: string) => readEnvironment(['malwareScanning'], { MALWARE_SCANNING: value });
    const defaults = { malwareScanning: { prefixes: [], onUnsupported: 'block' } };
    for (const on of ['1', 'true', 'TRUE', 'True', ' true ']) expect(read(on)).toEqual(defaults);
    for (const off of ['0', 'false', 'FALSE', 'False', '']) expect(read(off)).toEqual({});
    expect(read('{"prefixes":["public/"],"onUnsupported":"serve"}')).toEqual({
      malwareScanning: { prefixes: ['public/'], onUnsupported: 'serve' },
    });
    for (const bad of ['yes', '2', '{"prefixes":["public/*"]}']) {
      expect(() => read(bad)).toThrow(/MALWARE_SCANNING[.:]/);
    }
  });
});
