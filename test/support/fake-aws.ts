/**
 * A small stand-in for Cognito Identity (AWS JSON 1.1), STS (Query) and S3 (REST XML) on 127.0.0.1,
 * for driving the handler's REAL AWS SDK clients over real HTTP: retries, timeouts,
 * deserialization and error classification all run as in production. Healthy by default (stable
 * identity IDs, OpenID tokens for user-pool and developer logins, fresh credentials per STS call,
 * an in-memory bucket); `fail()` makes the next N calls of one operation answer a fault instead.
 * Every attempt is recorded, so tests can bound the upstream calls. No signature is checked. The
 * hardening tests drive it in process; the cold-start bench reaches it from fresh processes
 * through `AWS_ENDPOINT_URL_*`.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { errorXml, S3Error } from '../../local/s3/errors';
import { closeServer, freePort, LOOPBACK, listen } from '../../local/stack/ports';

export type Operation =
  | 'GetId'
  | 'GetOpenIdToken'
  | 'GetOpenIdTokenForDeveloperIdentity'
  | 'AssumeRoleWithWebIdentity'
  | 'HeadObject'
  | 'DeleteObject'
  | 'ListObjectsV2'
  | 'Unknown';

export type Fault =
  /** A Cognito error document (`__type`), as the JSON protocol sends it. */
  | { readonly kind: 'cognito'; readonly status: number; readonly type: string }
  /** An STS error document (`<ErrorResponse><Error><Code/>...`). */
  | { readonly kind: 'sts'; readonly status: number; readonly code: string }
  /** An S3 error document (`<Error><Code/>...`); HEAD gets the status alone, as from S3. */
  | { readonly kind: 's3'; readonly status: number; readonly code: string }
  /** A bare status with an arbitrary body, like a load balancer's HTML 503. */
  | { readonly kind: 'status'; readonly status: number; readonly body?: string }
  /** Accept the request and never answer. */
  | { readonly kind: 'hang' }
  /** Drop the connection without a response. */
  | { readonly kind: 'reset' };

export interface Attempt {
  readonly operation: Operation;
  /** ms since the fake started. */
  readonly at: number;
  /** The access key that signed an S3 request. */
  readonly accessKeyId?: string;
  /** The S3 key (or list prefix), decoded. */
  readonly key?: string;
}

export interface StoredObject {
  readonly body: string;
  readonly contentType: string;
}

export interface FakeAws {
  readonly url: string;
  readonly attempts: readonly Attempt[];
  readonly objects: Map<string, StoredObject>;
  /** Identity IDs handed out, by login. */
  readonly identities: ReadonlyMap<string, string>;
  /** The next `times` calls of `operation` answer `fault` (every call when omitted). */
  fail(operation: Operation, fault: Fault, times?: number): void;
  /** Calls of `operation` so far. */
  count(operation: Operation): number;
  /** Requests accepted but never answered (the `hang` fault). */
  readonly hanging: number;
  close(): Promise<void>;
}

export const CREDENTIAL_LIFETIME_MS = 3_600_000;

/** The identity operations: what a request costs the function upstream before it can sign. */
export const IDENTITY_OPERATIONS = [
  'GetId',
  'GetOpenIdToken',
  'GetOpenIdTokenForDeveloperIdentity',
  'AssumeRoleWithWebIdentity',
] as const satisfies readonly Operation[];

/**
 * Starts the fake; `tokens` maps each accepted login (an ID token in direct mode, a developer
 * identifier `{userPoolId}:{sub}` in sealed mode) to its identity ID.
 */
export async function startFakeAws(tokens: Readonly<Record<string, string>>): Promise<FakeAws> {
  const started = performance.now();
  const attempts: Attempt[] = [];
  const objects = new Map<string, StoredObject>();
  const plans = new Map<Operation, { fault: Fault; remaining: number }>();
  const held = new Set<ServerResponse>();
  const sockets = new Set<Socket>();
  let issued = 0;

  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      serve(request, response, body);
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });

  function operationOf(request: IncomingMessage, url: URL, body: string): Operation {
    const target = request.headers['x-amz-target'];
    if (typeof target === 'string') {
      const name = target.split('.').pop();
      return name === 'GetId' || name === 'GetOpenIdToken' || name === 'GetOpenIdTokenForDeveloperIdentity'
        ? name
        : 'Unknown';
    }
    if (
      request.method === 'POST' &&
      url.pathname === '/' &&
      /(^|&)Action=AssumeRoleWithWebIdentity(&|$)/.test(body)
    ) {
      return 'AssumeRoleWithWebIdentity';
    }
    if (request.method === 'HEAD') return 'HeadObject';
    if (request.method === 'DELETE') return 'DeleteObject';
    if (request.method === 'GET' && url.searchParams.get('list-type') === '2') return 'ListObjectsV2';
    return 'Unknown';
  }

  /** The object key of a path-style request (`/{bucket}/{key}`). */
  function keyOf(url: URL): string {
    return decodeURIComponent(url.pathname.split('/').slice(2).join('/'));
  }

  function serve(request: IncomingMessage, response: ServerResponse, body: string) {
    const url = new URL(request.url ?? '/', 'http://fake');
    const operation = operationOf(request, url, body);
    const credential = /Credential=([^/]+)\//.exec(request.headers.authorization ?? '')?.[1];
    const key = operation === 'ListObjectsV2' ? (url.searchParams.get('prefix') ?? '') : keyOf(url);
    attempts.push({
      operation,
      at: performance.now() - started,
      ...(credential ? { accessKeyId: credential } : {}),
      ...(request.headers['x-amz-target'] || operation === 'AssumeRoleWithWebIdentity' ? {} : { key }),
    });

    const plan = plans.get(operation);
    if (plan && plan.remaining > 0) {
      plan.remaining -= 1;
      answerFault(request, response, plan.fault);
      return;
    }
    switch (operation) {
      case 'GetId':
      case 'GetOpenIdToken':
      case 'GetOpenIdTokenForDeveloperIdentity':
        return cognito(response, operation, JSON.parse(body || '{}') as Record<string, unknown>);
      case 'AssumeRoleWithWebIdentity':
        return assumeRole(response, new URLSearchParams(body));
      case 'HeadObject': {
        const object = objects.get(key);
        if (!object) return void response.writeHead(404).end();
        response.writeHead(200, {
          'Content-Length': Buffer.byteLength(object.body),
          'Content-Type': object.contentType,
          ETag: '"etag"',
          'Last-Modified': new Date(0).toUTCString(),
        });
        return void response.end();
      }
      case 'DeleteObject':
        objects.delete(key);
        return void response.writeHead(204).end();
      case 'ListObjectsV2':
        return xml(response, 200, listXml(key));
      default:
        return xml(response, 400, errorXml(new S3Error(400, 'NotImplemented', 'not faked'), 'fake'));
    }
  }

  function cognito(response: ServerResponse, operation: Operation, input: Record<string, unknown>) {
    const token = Object.values((input.Logins ?? {}) as Record<string, string>)[0] ?? '';
    const identityId = tokens[token];
    if (identityId === undefined) {
      return json(response, 400, { __type: 'NotAuthorizedException', message: 'Invalid login token.' });
    }
    if (operation === 'GetId') return json(response, 200, { IdentityId: identityId });
    return json(response, 200, { IdentityId: identityId, Token: `fake-openid.${identityId}` });
  }

  function assumeRole(response: ServerResponse, params: URLSearchParams) {
    const token = params.get('WebIdentityToken') ?? '';
    const identityId = token.startsWith('fake-openid.') ? token.slice('fake-openid.'.length) : '';
    if (!Object.values(tokens).includes(identityId)) {
      return xml(response, 400, stsErrorXml('InvalidIdentityToken', 'invalid token (fake)'));
    }
    issued += 1;
    const expiration = new Date(Date.now() + CREDENTIAL_LIFETIME_MS).toISOString();
    return xml(
      response,
      200,
      '<AssumeRoleWithWebIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleWithWebIdentityResult>' +
        `<SubjectFromWebIdentityToken>${identityId}</SubjectFromWebIdentityToken><Credentials>` +
        `<AccessKeyId>ASIAFAKE${issued}</AccessKeyId><SecretAccessKey>fake-secret-${issued}</SecretAccessKey>` +
        `<SessionToken>${sessionToken(issued)}</SessionToken><Expiration>${expiration}</Expiration>` +
        '</Credentials></AssumeRoleWithWebIdentityResult></AssumeRoleWithWebIdentityResponse>',
    );
  }

  function listXml(prefix: string): string {
    const keys = [...objects.keys()].filter((key) => key.startsWith(prefix)).sort();
    const contents = keys
      .map(
        (key) =>
          `<Contents><Key>${escapeXml(key)}</Key><Size>${Buffer.byteLength(objects.get(key)?.body ?? '')}</Size>` +
          `<LastModified>${new Date(0).toISOString()}</LastModified><ETag>"etag"</ETag></Contents>`,
      )
      .join('');
    return (
      '<?xml version="1.0" encoding="UTF-8"?><ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">' +
      `<Name>bucket</Name><Prefix>${escapeXml(prefix)}</Prefix><KeyCount>${keys.length}</KeyCount>` +
      `<MaxKeys>1000</MaxKeys><IsTruncated>false</IsTruncated>${contents}</ListBucketResult>`
    );
  }

  function answerFault(request: IncomingMessage, response: ServerResponse, fault: Fault) {
    switch (fault.kind) {
      case 'cognito':
        return json(response, fault.status, { __type: fault.type, message: `${fault.type} (fake)` });
      case 'sts':
        return xml(response, fault.status, stsErrorXml(fault.code, `${fault.code} (fake)`));
      case 's3':
        if (request.method === 'HEAD') return void response.writeHead(fault.status).end();
        return xml(
          response,
          fault.status,
          errorXml(new S3Error(fault.status, fault.code, `${fault.code} (fake)`), randomUUID()),
        );
      case 'status':
        response.writeHead(fault.status, { 'Content-Type': 'text/html' });
        return void response.end(request.method === 'HEAD' ? undefined : (fault.body ?? ''));
      case 'hang':
        held.add(response);
        response.on('close', () => held.delete(response));
        return;
      case 'reset':
        return void request.socket.destroy();
    }
  }

  const port = await listen(server, LOOPBACK, 0, 'the fake AWS endpoint');
  return {
    url: `http://${LOOPBACK}:${port}`,
    attempts,
    objects,
    identities: new Map(Object.entries(tokens)),
    fail(operation, fault, times = Number.POSITIVE_INFINITY) {
      plans.set(operation, { fault, remaining: times });
    },
    count: (operation) => attempts.filter((attempt) => attempt.operation === operation).length,
    get hanging() {
      return held.size;
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await closeServer(server);
    },
  };
}

/** A loopback URL nothing listens on: connecting to it is refused. */
export async function refusedUrl(): Promise<string> {
  return `http://${LOOPBACK}:${await freePort()}`;
}

/** As long as a real one (about 1 KB): it is part of every URL signed with the session. */
function sessionToken(issued: number): string {
  const prefix = `fake-session-${issued}-`;
  return prefix.padEnd(1_000, 't');
}

function json(response: ServerResponse, status: number, body: unknown) {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    'Content-Type': 'application/x-amz-json-1.1',
    'Content-Length': Buffer.byteLength(text),
  });
  response.end(text);
}

function xml(response: ServerResponse, status: number, text: string) {
  response.writeHead(status, {
    'Content-Type': 'application/xml',
    'Content-Length': Buffer.byteLength(text),
  });
  response.end(text);
}

function stsErrorXml(code: string, message: string): string {
  return (
    '<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type>' +
    `<Code>${code}</Code><Message>${message}</Message></Error><RequestId>${randomUUID()}</RequestId></ErrorResponse>`
  );
}

function escapeXml(text: string): string {
  return text.replace(/[<>&'"]/g, (character) => `&#${character.charCodeAt(0)};`);
}
