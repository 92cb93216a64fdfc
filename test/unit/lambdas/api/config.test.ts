import { describe, expect, test } from 'vitest';
import { ConfigError, loadConfig } from '../../../../lambdas/api/config';
import { ENV } from '../../support/fixtures';

const minimal = {
  AWS_REGION: 'eu-west-2',
  USER_POOL_ID: 'eu-west-2_AbC123',
  USER_POOL_CLIENT_IDS: 'client1',
  IDENTITY_POOL_ID: 'eu-west-2:0b6c3b5e-8f9e-4c2a-9f3d-2f2b0d2f9c11',
  BUCKET_NAME: 'my-bucket',
  ALLOWED_ORIGINS: 'https://app.example.com',
  AUTHENTICATED_ROLE_ARN: 'arn:aws:iam::123456789012:role/authenticated',
  DEVELOPER_PROVIDER_NAME: 'user-files.Stack',
};

describe('loadConfig', () => {
  test('parses the contract with documented defaults and derives the Logins key', () => {
    expect(loadConfig(minimal)).toEqual({
      region: 'eu-west-2',
      userPoolId: 'eu-west-2_AbC123',
      userPoolClientIds: ['client1'],
      identityPoolId: 'eu-west-2:0b6c3b5e-8f9e-4c2a-9f3d-2f2b0d2f9c11',
      bucketName: 'my-bucket',
      allowedOrigins: ['https://app.example.com'],
      maxUploadBytes: 104857600,
      defaultUrlLifetimeSeconds: 900,
      maxUrlLifetimeSeconds: 3600,
      loginsKey: 'cognito-idp.eu-west-2.amazonaws.com/eu-west-2_AbC123',
      uploadRules: {
        private: { maxUploadBytes: 104857600 },
        protected: { maxUploadBytes: 104857600 },
        public: { maxUploadBytes: 104857600 },
        groups: { maxUploadBytes: 104857600 },
      },
      accessMode: 'sealed',
      authenticatedRoleArn: 'arn:aws:iam::123456789012:role/authenticated',
      sessionDurationSeconds: 43200,
      developerProviderName: 'user-files.Stack',
      incompleteUploadExpiryDays: 2,
      quota: {},
      groupQuota: {},
    });
  });

  test('reads the ledger table and quotas; a quota needs the ledger', () => {
    const config = loadConfig({ ...minimal, LEDGER_TABLE: 'ledger', QUOTA_BYTES: '1000', QUOTA_OBJECTS: '' });
    expect(config.ledgerTable).toBe('ledger');
    expect(config.quota).toEqual({ bytes: 1000 });
    expect(() => loadConfig({ ...minimal, QUOTA_OBJECTS: '5' })).toThrow(/LEDGER_TABLE: must be set/);
    expect(() => loadConfig({ ...minimal, LEDGER_TABLE: 'ledger', QUOTA_BYTES: '1e9' })).toThrow(
      /QUOTA_BYTES/,
    );
  });

  test('reads the group quota apart from the user quota; it needs the ledger too', () => {
    const config = loadConfig({
      ...minimal,
      LEDGER_TABLE: 'ledger',
      QUOTA_BYTES: '1000',
      GROUP_QUOTA_BYTES: '5000',
      GROUP_QUOTA_OBJECTS: '7',
    });
    expect(config.quota).toEqual({ bytes: 1000 });
    expect(config.groupQuota).toEqual({ bytes: 5000, objects: 7 });
    expect(loadConfig({ ...minimal, LEDGER_TABLE: 'ledger', QUOTA_BYTES: '1000' }).groupQuota).toEqual({});
    expect(() => loadConfig({ ...minimal, GROUP_QUOTA_OBJECTS: '5' })).toThrow(
      /LEDGER_TABLE: must be set when GROUP_QUOTA_BYTES/,
    );
    expect(() => loadConfig({ ...minimal, LEDGER_TABLE: 'ledger', GROUP_QUOTA_BYTES: '-1' })).toThrow(
      /GROUP_QUOTA_BYTES/,
    );
  });

  test('reads UPLOAD_RULES per level, MAX_UPLOAD_BYTES where a level names no size', () => {
    const config = loadConfig({
      ...minimal,
      MAX_UPLOAD_BYTES: '5000',
      UPLOAD_RULES:
        '{"public":{"maxUploadBytes":10,"allowedContentTypes":["image/*"]},"private":{},"groups":{"maxUploadBytes":20}}',
    });
    expect(config.uploadRules).toEqual({
      private: { maxUploadBytes: 5000 },
      protected: { maxUploadBytes: 5000 },
      public: { maxUploadBytes: 10, allowedContentTypes: ['image/*'] },
      groups: { maxUploadBytes: 20 },
    });
  });

  test.each([
    ['{', 'UPLOAD_RULES: must be JSON'],
    ['[]', 'UPLOAD_RULES: '],
    ['{"public":{"maxUploadBytes":0}}', 'UPLOAD_RULES.public.maxUploadBytes: must be at least 1'],
    [
      '{"private":{"allowedContentTypes":["text/html;x=1"]}}',
      'UPLOAD_RULES.private.allowedContentTypes[0]: ',
    ],
    ['{"everyone":{}}', 'UPLOAD_RULES: '],
  ])('fails fast on UPLOAD_RULES=%s, naming where', (value, message) => {
    const run = () => loadConfig({ ...minimal, UPLOAD_RULES: value });
    expect(run).toThrow(ConfigError);
    expect(run).toThrow(message);
  });

  test('names bad upload rules together with other bad variables', () => {
    expect(() => loadConfig({ ...minimal, BUCKET_NAME: 'Bad', UPLOAD_RULES: '{' })).toThrow(
      /BUCKET_NAME: .*; UPLOAD_RULES: must be JSON/,
    );
  });

  test('reads MALWARE_SCANNING: absent or off is no scanning, on is every key held until clean', () => {
    expect(loadConfig(minimal).malwareScanning).toBeUndefined();
    expect(loadConfig({ ...minimal, MALWARE_SCANNING: 'false' }).malwareScanning).toBeUndefined();
    expect(loadConfig({ ...minimal, MALWARE_SCANNING: 'true' }).malwareScanning).toEqual({
      prefixes: [],
      onUnsupported: 'block',
    });
    const settings = { prefixes: ['public/', 'shared/'], onUnsupported: 'serve' };
    expect(loadConfig({ ...minimal, MALWARE_SCANNING: JSON.stringify(settings) }).malwareScanning).toEqual(
      settings,
    );
    expect(() => loadConfig({ ...minimal, MALWARE_SCANNING: '{"prefixes":["uploads/"]}' })).toThrow(
      /MALWARE_SCANNING/,
    );
  });

  test('reads the app client list, trimmed', () => {
    expect(loadConfig({ ...minimal, USER_POOL_CLIENT_IDS: ' web1 ,mobile2,' }).userPoolClientIds).toEqual([
      'web1',
      'mobile2',
    ]);
  });

  test('reads overrides and trims the origin list; empty values fall back to defaults', () => {
    const config = loadConfig({
      ...ENV,
      ALLOWED_ORIGINS: ' https://a.example.com , http://127.0.0.1:5173,',
      MAX_UPLOAD_BYTES: '',
    });
    expect(config.allowedOrigins).toEqual(['https://a.example.com', 'http://127.0.0.1:5173']);
    expect(config.maxUploadBytes).toBe(104857600);
  });

  test.each([
    ['USER_POOL_ID', { USER_POOL_ID: undefined }],
    ['USER_POOL_CLIENT_IDS', { USER_POOL_CLIENT_IDS: undefined }],
    ['USER_POOL_CLIENT_IDS', { USER_POOL_CLIENT_IDS: ' , ' }],
    ['USER_POOL_CLIENT_IDS', { USER_POOL_CLIENT_IDS: 'client/1' }],
    ['IDENTITY_POOL_ID', { IDENTITY_POOL_ID: 'nope' }],
    ['BUCKET_NAME', { BUCKET_NAME: 'Bad_Bucket' }],
    ['AWS_REGION', { AWS_REGION: undefined }],
    ['ALLOWED_ORIGINS', { ALLOWED_ORIGINS: '' }],
    ['ALLOWED_ORIGINS', { ALLOWED_ORIGINS: 'https://app.example.com/' }],
    ['ALLOWED_ORIGINS', { ALLOWED_ORIGINS: 'app.example.com' }],
    ['ALLOWED_ORIGINS', { ALLOWED_ORIGINS: 'https://*.example.com' }],
    ['MAX_UPLOAD_BYTES', { MAX_UPLOAD_BYTES: '-1' }],
    ['MAX_UPLOAD_BYTES', { MAX_UPLOAD_BYTES: '10MB' }],
    ['MAX_UPLOAD_BYTES', { MAX_UPLOAD_BYTES: String(6 * 1024 ** 4) }],
    ['MAX_URL_LIFETIME_SECONDS', { MAX_URL_LIFETIME_SECONDS: '604801' }],
    ['DEFAULT_URL_LIFETIME_SECONDS', { DEFAULT_URL_LIFETIME_SECONDS: '0' }],
    ['DEFAULT_URL_LIFETIME_SECONDS', { DEFAULT_URL_LIFETIME_SECONDS: '7200' }],
    ['USER_POOL_ID', { USER_POOL_ID: 'us-west-2_Other' }],
    ['ACCESS_MODE', { ACCESS_MODE: 'open' }],
    ['AUTHENTICATED_ROLE_ARN', { AUTHENTICATED_ROLE_ARN: 'role/x' }],
    ['SESSION_DURATION_SECONDS', { SESSION_DURATION_SECONDS: '43201' }],
    ['SESSION_DURATION_SECONDS', { SESSION_DURATION_SECONDS: '900' }],
    ['DEVELOPER_PROVIDER_NAME', { ACCESS_MODE: 'sealed', DEVELOPER_PROVIDER_NAME: '' }],
    ['MAX_URL_LIFETIME_SECONDS', { SESSION_DURATION_SECONDS: '3600', MAX_URL_LIFETIME_SECONDS: '7200' }],
  ])('fails fast naming %s', (name, change) => {
    const run = () => loadConfig({ ...minimal, ...ENV, ...change });
    expect(run).toThrow(ConfigError);
    expect(run).toThrow(new RegExp(`^Invalid configuration: .*${name}: `));
  });

  test('names every bad variable at once', () => {
    expect(() => loadConfig({})).toThrow(
      /AWS_REGION.*USER_POOL_ID.*IDENTITY_POOL_ID.*BUCKET_NAME.*ALLOWED_ORIGINS/,
    );
  });

  test('the handler module fails at init, not per request, when the environment is wrong', async () => {
    const saved = process.env.USER_POOL_ID;
    delete process.env.USER_POOL_ID;
    try {
      await expect(
        import(/* @vite-ignore */ `../../../../lambdas/api/handler?fresh=${Date.now()}`),
      ).rejects.toThrow(ConfigError);
    } finally {
      if (saved !== undefined) process.env.USER_POOL_ID = saved;
    }
  });
});
