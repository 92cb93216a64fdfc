import { describe, expect, test } from 'vitest';
import { ConfigError, loadConfig } from '../../../lambdas/config';
import { ENV } from '../support/fixtures';

const minimal = {
  AWS_REGION: 'eu-west-2',
  USER_POOL_ID: 'eu-west-2_AbC123',
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
      identityPoolId: 'eu-west-2:0b6c3b5e-8f9e-4c2a-9f3d-2f2b0d2f9c11',
      bucketName: 'my-bucket',
      allowedOrigins: ['https://app.example.com'],
      maxUploadBytes: 104857600,
      defaultUrlLifetimeSeconds: 900,
      maxUrlLifetimeSeconds: 3600,
      loginsKey: 'cognito-idp.eu-west-2.amazonaws.com/eu-west-2_AbC123',
      accessMode: 'sealed',
      authenticatedRoleArn: 'arn:aws:iam::123456789012:role/authenticated',
      sessionDurationSeconds: 43200,
      developerProviderName: 'user-files.Stack',
    });
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
    ['IDENTITY_POOL_ID', { IDENTITY_POOL_ID: 'nope' }],
    ['BUCKET_NAME', { BUCKET_NAME: 'Bad_Bucket' }],
    ['AWS_REGION', { AWS_REGION: undefined }],
    ['ALLOWED_ORIGINS', { ALLOWED_ORIGINS: '' }],
    ['ALLOWED_ORIGINS', { ALLOWED_ORIGINS: 'https://app.example.com/' }],
    ['ALLOWED_ORIGINS', { ALLOWED_ORIGINS: 'app.example.com' }],
    ['ALLOWED_ORIGINS', { ALLOWED_ORIGINS: 'https://*.example.com' }],
    ['MAX_UPLOAD_BYTES', { MAX_UPLOAD_BYTES: '-1' }],
    ['MAX_UPLOAD_BYTES', { MAX_UPLOAD_BYTES: '10MB' }],
    ['MAX_UPLOAD_BYTES', { MAX_UPLOAD_BYTES: String(6 * 1024 ** 3) }],
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
      await expect(import(`../../../lambdas/handler?fresh=${Date.now()}`)).rejects.toThrow(ConfigError);
    } finally {
      if (saved !== undefined) process.env.USER_POOL_ID = saved;
    }
  });
});
