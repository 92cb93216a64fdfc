import { Logger } from '@aws-lambda-powertools/logger';
import { GetIdCommand } from '@aws-sdk/client-cognito-identity';
import { HeadObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import {
  alice,
  awsError,
  clock,
  credentialsFor,
  LISTED_ORIGIN,
  mockAws,
  parse,
  T0,
  testApp,
} from '../support/fixtures';

// Black-box: whatever the logger writes to stdout or stderr, from a real Powertools Logger.
let written: string[] = [];
let aws: ReturnType<typeof mockAws>;

beforeEach(() => {
  written = [];
  const capture = (chunk: unknown) => {
    written.push(String(chunk));
    return true;
  };
  vi.spyOn(process.stdout, 'write').mockImplementation(capture);
  vi.spyOn(process.stderr, 'write').mockImplementation(capture);
  aws = mockAws({ clock: clock() });
});

afterEach(() => {
  vi.restoreAllMocks();
  aws.cognito.restore();
  aws.sts.restore();
  aws.s3.restore();
});

function app() {
  return testApp({ now: clock().now, logger: new Logger({ serviceName: 'log-test', logLevel: 'DEBUG' }) });
}

function entries(): Array<Record<string, unknown>> {
  return written
    .join('')
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

describe('logs', () => {
  test('are one JSON line per request with the correlation ID, and echo it in a header', async () => {
    const response = await app().call({
      method: 'GET',
      path: '/me',
      headers: { 'X-Correlation-Id': 'trace-abc.123' },
    });
    expect(response.headers?.['X-Correlation-Id']).toBe('trace-abc.123');
    const lines = entries();
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      level: 'INFO',
      message: 'request',
      correlation_id: 'trace-abc.123',
      http: { method: 'GET', route: '/me', status: 200 },
    });
  });

  test('fall back to the API Gateway request ID when the caller sends no usable correlation ID', async () => {
    const response = await app().call({
      method: 'GET',
      path: '/me',
      headers: { 'x-correlation-id': 'bad id\n{}' },
    });
    expect(response.headers?.['X-Correlation-Id']).toBe('req-0001');
    expect(entries()[0]?.correlation_id).toBe('req-0001');
  });

  test('never log the event (it holds the ID token), even when the environment asks for it', async () => {
    vi.stubEnv('POWERTOOLS_LOGGER_LOG_EVENT', 'true');
    try {
      const response = await app().call({ method: 'GET', path: '/me' });
      expect(response.statusCode).toBe(200);
      expect(written.join('')).not.toContain(alice.token);
    } finally {
      vi.unstubAllEnvs();
    }
  });

  test('never contain the ID token, credentials or presigned URLs, on success or failure', async () => {
    const instance = app();
    const secrets = credentialsFor(alice, new Date(T0));
    aws.s3.on(HeadObjectCommand).rejects(awsError('NotFound', 404));
    const upload = await instance.call({
      method: 'POST',
      path: '/files/uploads',
      headers: { Origin: LISTED_ORIGIN },
      body: {
        level: 'private',
        key: 'secret-plans.txt',
        contentType: 'text/plain',
        size: 3,
        overwrite: false,
      },
    });
    expect(upload.statusCode, upload.body).toBe(201);
    const url = parse(upload).url as string;
    const signature = new URL(url).searchParams.get('X-Amz-Signature') ?? 'missing';

    const download = await instance.call({
      method: 'POST',
      path: '/files/downloads',
      body: { level: 'private', key: 'secret-plans.txt' },
    });
    expect(download.statusCode).toBe(201);

    // Failures: a 4xx, an unexpected error whose message carries a secret, and an upstream error.
    await instance.call({ method: 'POST', path: '/files/uploads', rawBody: `{"token":"${alice.token}"` });
    aws.s3.on(ListObjectsV2Command).rejects(new Error(`boom with ${secrets.SecretAccessKey} and ${url}`));
    const crash = await instance.call({ method: 'GET', path: '/files', query: { level: 'private' } });
    expect(crash.statusCode).toBe(500);
    aws.cognito
      .on(GetIdCommand)
      .rejects(awsError('InternalErrorException', 500, `failed for ${alice.token}`));
    await app().call({ method: 'GET', path: '/me' });

    const log = written.join('');
    expect(entries().length).toBeGreaterThanOrEqual(6);
    for (const secret of [
      alice.token,
      secrets.SecretAccessKey,
      secrets.SessionToken,
      signature,
      'X-Amz-Signature',
    ]) {
      expect(log).not.toContain(secret);
    }
    // The unexpected error is logged for diagnosis, with its type, stack and a redacted message.
    const unhandled = entries().find((entry) => entry.message === 'unhandled error');
    const logged = unhandled?.error as { name: string; message: string; stack: string } | undefined;
    expect(logged).toMatchObject({ name: 'Error', message: 'boom with [redacted] and [url]' });
    expect(logged?.stack).toMatch(/^\s+at /);
  });
});
