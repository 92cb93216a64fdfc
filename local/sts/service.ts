/**
 * The local STS: `AssumeRoleWithWebIdentity` in the Query protocol (form-encoded `Action=...`,
 * XML answers worded as AWS words them), so the SDKs, boto3 and the AWS CLI use it unchanged
 * through `AWS_ENDPOINT_URL_STS`. It accepts only OpenID tokens of the local identity service:
 * signature (its key), issuer, expiry and audience (an identity pool whose authenticated role is
 * the one asked for); then the role's trust policy is evaluated by the policy engine, the session
 * length is bounded by the role's maximum, and credentials bound to the token's identity are
 * minted into the credential store, which the S3 gateway enforces.
 */
import { createVerify, type KeyObject, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { XmlNode } from '@aws-sdk/xml-builder';
import { COGNITO_IDENTITY_ISSUER } from '../cognito-identity/service';
import type { CredentialStore, IdentityPool, TrustPolicyDocument } from '../core/credential-store';
import { readLimitedBody } from '../core/http-body';
import { evaluate } from '../core/policy-engine';
import { closeServer, LOOPBACK, listen } from '../stack/ports';

export interface StsServiceOptions {
  /** @default '127.0.0.1' */
  readonly host?: string;
  /** 0 or omitted: a free port. */
  readonly port?: number;
  readonly store: CredentialStore;
  /** The identity service's OpenID token key. */
  readonly openIdKey: KeyObject;
  /** One line per request (action and outcome; never tokens or credentials). @default silent */
  readonly log?: (line: string) => void;
}

export interface StsService {
  /** Base URL, for `endpoint` / `--endpoint-url` / `AWS_ENDPOINT_URL_STS`. */
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

const NAMESPACE = 'https://sts.amazonaws.com/doc/2011-06-15/';
const MAX_BODY_BYTES = 64 * 1024;
/** STS's own bounds on DurationSeconds. */
const MIN_DURATION_SECONDS = 900;
const MAX_DURATION_SECONDS = 43_200;
const COGNITO_PRINCIPAL = 'cognito-identity.amazonaws.com';
const SESSION_NAME = /^[\w+=,.@-]{2,64}$/;

/** An STS error: `<ErrorResponse><Error><Type/><Code/><Message/></Error>...`. */
export class StsError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
    this.name = code;
  }
}

const validationError = (message: string) => new StsError('ValidationError', message);
const invalidToken = (message: string) => new StsError('InvalidIdentityToken', message);
const accessDenied = () =>
  new StsError('AccessDenied', 'Not authorized to perform sts:AssumeRoleWithWebIdentity', 403);

interface TokenClaims {
  readonly sub: string;
  readonly aud: string;
  readonly amr: string[];
}

/** Verifies an RS256 token of the identity service: signature, issuer, expiry, claims' shapes. */
function verifyOpenIdToken(token: string, key: KeyObject, nowSeconds: number): TokenClaims {
  const parts = token.split('.');
  if (parts.length !== 3)
    throw invalidToken("Couldn't retrieve verification key from your identity provider");
  const [headerPart, payloadPart, signaturePart] = parts as [string, string, string];
  let header: { alg?: unknown };
  let payload: Record<string, unknown>;
  try {
    header = JSON.parse(Buffer.from(headerPart, 'base64url').toString('utf8')) as { alg?: unknown };
    payload = JSON.parse(Buffer.from(payloadPart, 'base64url').toString('utf8')) as Record<string, unknown>;
  } catch {
    throw invalidToken('The web identity token that was passed could not be validated by AWS.');
  }
  const signed = createVerify('RSA-SHA256')
    .update(`${headerPart}.${payloadPart}`)
    .verify(key, Buffer.from(signaturePart, 'base64url'));
  if (header.alg !== 'RS256' || !signed) {
    throw invalidToken('The web identity token that was passed could not be validated by AWS.');
  }
  if (payload.iss !== COGNITO_IDENTITY_ISSUER) {
    throw invalidToken('The web identity token that was passed could not be validated by AWS.');
  }
  if (typeof payload.exp !== 'number' || payload.exp <= nowSeconds) {
    throw new StsError(
      'ExpiredTokenException',
      'Token expired: current date/time is later than the token expiration.',
    );
  }
  const amr = Array.isArray(payload.amr) ? payload.amr.filter((item) => typeof item === 'string') : [];
  if (typeof payload.sub !== 'string' || typeof payload.aud !== 'string') {
    throw invalidToken('The web identity token that was passed is missing a required claim.');
  }
  return { sub: payload.sub, aud: payload.aud, amr };
}

/** The trust policy's statements as an identity policy on the role, once the principal matched. */
async function trusts(trust: TrustPolicyDocument, roleArn: string, claims: TokenClaims): Promise<boolean> {
  const statements = trust.Statement.filter(
    (statement) => statement.Principal.Federated === COGNITO_PRINCIPAL,
  ).map((statement, index) => ({
    Sid: `Trust${index}`,
    Effect: statement.Effect,
    Action: [statement.Action],
    Resource: [roleArn],
    ...(statement.Condition ? { Condition: statement.Condition } : {}),
  }));
  if (statements.length === 0) return false;
  const decision = await evaluate({
    policy: { Version: '2012-10-17', Statement: statements },
    action: 'sts:AssumeRoleWithWebIdentity',
    resource: roleArn,
    context: {
      [`${COGNITO_PRINCIPAL}:aud`]: claims.aud,
      [`${COGNITO_PRINCIPAL}:sub`]: claims.sub,
      [`${COGNITO_PRINCIPAL}:amr`]: claims.amr,
    },
  });
  return decision === 'Allowed';
}

export async function startStsService(options: StsServiceOptions): Promise<StsService> {
  const { store, openIdKey } = options;
  const log = options.log ?? (() => {});

  async function assumeRoleWithWebIdentity(params: URLSearchParams, requestId: string): Promise<string> {
    const roleArn = params.get('RoleArn') ?? '';
    const sessionName = params.get('RoleSessionName') ?? '';
    const token = params.get('WebIdentityToken') ?? '';
    const durationText = params.get('DurationSeconds');
    if (roleArn.length < 20 || !roleArn.startsWith('arn:')) {
      throw validationError(
        "1 validation error detected: Value at 'roleArn' failed to satisfy constraint: Member must have length greater than or equal to 20",
      );
    }
    if (!SESSION_NAME.test(sessionName)) {
      throw validationError(
        `1 validation error detected: Value '${sessionName}' at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*`,
      );
    }
    if (token.length < 4 || token.length > 20_000) {
      throw validationError(
        "1 validation error detected: Value at 'webIdentityToken' failed to satisfy constraint: Member must have length greater than or equal to 4",
      );
    }
    const duration = durationText === null ? 3600 : Number(durationText);
    if (!Number.isInteger(duration) || duration < MIN_DURATION_SECONDS || duration > MAX_DURATION_SECONDS) {
      throw validationError(
        `1 validation error detected: Value '${durationText}' at 'durationSeconds' failed to satisfy constraint: Member must have value ${
          duration < MIN_DURATION_SECONDS ? 'greater than or equal to 900' : 'less than or equal to 43200'
        }`,
      );
    }
    const claims = verifyOpenIdToken(token, openIdKey, Math.floor(Date.now() / 1000));
    // The token's audience names the pool; the role must be that pool's authenticated role.
    const pool: IdentityPool | undefined = store.getIdentityPool(claims.aud);
    const role = pool?.authenticatedRole;
    if (
      !pool ||
      role?.arn !== roleArn ||
      !role.trustPolicy ||
      !(await trusts(role.trustPolicy, roleArn, claims))
    ) {
      throw accessDenied();
    }
    const maxSession = role.maxSessionDurationSeconds ?? 3600;
    if (duration > maxSession) {
      throw validationError(
        'The requested DurationSeconds exceeds the MaxSessionDuration set for this role.',
      );
    }
    const issued = store.issueCredentials({
      identityId: claims.sub,
      identityPoolId: pool.id,
      amr: claims.amr,
      lifetimeSeconds: duration,
    });
    const roleName = roleArn.slice(roleArn.lastIndexOf('/') + 1);
    const account = roleArn.split(':')[4] ?? '000000000000';
    const result = new XmlNode('AssumeRoleWithWebIdentityResult')
      .addChildNode(XmlNode.of('SubjectFromWebIdentityToken', claims.sub))
      .addChildNode(XmlNode.of('Audience', claims.aud))
      .addChildNode(
        new XmlNode('AssumedRoleUser')
          .addChildNode(XmlNode.of('Arn', `arn:aws:sts::${account}:assumed-role/${roleName}/${sessionName}`))
          .addChildNode(XmlNode.of('AssumedRoleId', `AROALOCAL${roleName.length}:${sessionName}`)),
      )
      .addChildNode(
        new XmlNode('Credentials')
          .addChildNode(XmlNode.of('AccessKeyId', issued.accessKeyId))
          .addChildNode(XmlNode.of('SecretAccessKey', issued.secretAccessKey))
          .addChildNode(XmlNode.of('SessionToken', issued.sessionToken))
          .addChildNode(XmlNode.of('Expiration', issued.expiration.toISOString())),
      )
      .addChildNode(XmlNode.of('Provider', COGNITO_PRINCIPAL));
    return new XmlNode('AssumeRoleWithWebIdentityResponse')
      .addAttribute('xmlns', NAMESPACE)
      .addChildNode(result)
      .addChildNode(new XmlNode('ResponseMetadata').addChildNode(XmlNode.of('RequestId', requestId)))
      .toString();
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const requestId = randomUUID();
    let action = '';
    try {
      const body = await readLimitedBody(
        req,
        MAX_BODY_BYTES,
        () => new StsError('ValidationError', 'The request body is too large.', 413),
      );
      const url = new URL(req.url ?? '/', 'http://sts.local');
      // The Query protocol: parameters in a form body (POST) or in the query string (GET).
      const params = req.method === 'POST' ? new URLSearchParams(body.toString('utf8')) : url.searchParams;
      action = params.get('Action') ?? '';
      if (url.pathname !== '/' || (req.method !== 'POST' && req.method !== 'GET')) {
        throw new StsError('InvalidAction', 'Could not find operation for this request.');
      }
      if (action !== 'AssumeRoleWithWebIdentity') {
        throw new StsError(
          action === '' ? 'MissingAction' : 'InvalidAction',
          action === '' ? 'Missing Action' : `Could not find operation ${action} for version 2011-06-15`,
        );
      }
      const xml = await assumeRoleWithWebIdentity(params, requestId);
      log(`sts: ${action} 200`);
      send(res, 200, xml, requestId);
    } catch (error) {
      const failure =
        error instanceof StsError
          ? error
          : new StsError('InternalFailure', 'An internal error occurred.', 500);
      if (!(error instanceof StsError))
        log(`sts: ${action} failed: ${error instanceof Error ? error.name : typeof error}`);
      log(`sts: ${action || req.method} ${failure.status} ${failure.code}`);
      const document = new XmlNode('ErrorResponse')
        .addAttribute('xmlns', NAMESPACE)
        .addChildNode(
          new XmlNode('Error')
            .addChildNode(XmlNode.of('Type', failure.status >= 500 ? 'Receiver' : 'Sender'))
            .addChildNode(XmlNode.of('Code', failure.code))
            .addChildNode(XmlNode.of('Message', failure.message)),
        )
        .addChildNode(XmlNode.of('RequestId', requestId));
      send(res, failure.status, document.toString(), requestId);
    }
  }

  const server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });
  const host = options.host ?? LOOPBACK;
  const port = await listen(server, host, options.port ?? 0, 'the local STS service');
  return { url: `http://${host}:${port}`, port, close: () => closeServer(server) };
}

function send(res: ServerResponse, status: number, xml: string, requestId: string): void {
  const text = `<?xml version="1.0" encoding="UTF-8"?>\n${xml}`;
  res.writeHead(status, {
    'Content-Type': 'text/xml',
    'Content-Length': Buffer.byteLength(text),
    'x-amzn-RequestId': requestId,
  });
  res.end(text);
}
