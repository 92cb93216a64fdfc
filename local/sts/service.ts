/**
 * The local STS: `AssumeRoleWithWebIdentity` in the Query protocol (form-encoded `Action=...`,
 * XML answers worded as AWS words them), so the SDKs, boto3 and the AWS CLI use it unchanged
 * through `AWS_ENDPOINT_URL_STS`. It accepts only OpenID tokens of the local identity service:
 * signature (its key), issuer, expiry and audience (an identity pool one of whose roles, the
 * authenticated or the unauthenticated, is the one asked for); then the role's trust policy is
 * evaluated by the policy engine (which kind of token it admits is its `amr` condition), the session
 * length is bounded by the role's maximum, and credentials bound to the token's identity are
 * minted into the credential store, which the S3 gateway enforces.
 *
 * This module owns the HTTP side (Query-protocol parameters, the action dispatch, response and
 * error documents); the action itself is `assume-role-with-web-identity.ts`.
 */
import { type KeyObject, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { XmlNode } from '@aws-sdk/xml-builder';
import type { CredentialStore } from '../core/credential-store';
import { readLimitedBody } from '../core/http-body';
import { closeServer, LOOPBACK, listen } from '../stack/ports';
import { assumeRoleWithWebIdentity } from './assume-role-with-web-identity';
import { StsError } from './errors';

export { StsError } from './errors';

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

export async function startStsService(options: StsServiceOptions): Promise<StsService> {
  const server = createServer((req, res) => {
    handle(options, req, res).catch(() => {
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });
  const host = options.host ?? LOOPBACK;
  const port = await listen(server, host, options.port ?? 0, 'the local STS service');
  return { url: `http://${host}:${port}`, port, close: () => closeServer(server) };
}

async function handle(options: StsServiceOptions, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const log = options.log ?? (() => {});
  const requestId = randomUUID();
  let action = '';
  try {
    const { pathname, params } = await readRequest(req);
    action = params.get('Action') ?? '';
    checkAction(req.method, pathname, action);
    const result = await assumeRoleWithWebIdentity(params, options.store, options.openIdKey);
    log(`sts: ${action} 200`);
    const document = new XmlNode(`${action}Response`)
      .addAttribute('xmlns', NAMESPACE)
      .addChildNode(result)
      .addChildNode(new XmlNode('ResponseMetadata').addChildNode(XmlNode.of('RequestId', requestId)));
    send(res, 200, document.toString(), requestId);
  } catch (error) {
    const failure =
      error instanceof StsError ? error : new StsError('InternalFailure', 'An internal error occurred.', 500);
    if (!(error instanceof StsError))
      log(`sts: ${action} failed: ${error instanceof Error ? error.name : typeof error}`);
    log(`sts: ${action || req.method} ${failure.status} ${failure.code}`);
    send(res, failure.status, errorDocument(failure, requestId), requestId);
  }
}

/** The Query protocol: parameters in a form body (POST) or in the query string (GET). */
async function readRequest(req: IncomingMessage): Promise<{ pathname: string; params: URLSearchParams }> {
  const body = await readLimitedBody(
    req,
    MAX_BODY_BYTES,
    () => new StsError('ValidationError', 'The request body is too large.', 413),
  );
  const url = new URL(req.url ?? '/', 'http://sts.local');
  const params = req.method === 'POST' ? new URLSearchParams(body.toString('utf8')) : url.searchParams;
  return { pathname: url.pathname, params };
}

/** Only `AssumeRoleWithWebIdentity`, at `/`, by POST or GET. */
function checkAction(method: string | undefined, pathname: string, action: string): void {
  if (pathname !== '/' || (method !== 'POST' && method !== 'GET')) {
    throw new StsError('InvalidAction', 'Could not find operation for this request.');
  }
  if (action !== 'AssumeRoleWithWebIdentity') {
    throw new StsError(
      action === '' ? 'MissingAction' : 'InvalidAction',
      action === '' ? 'Missing Action' : `Could not find operation ${action} for version 2011-06-15`,
    );
  }
}

function errorDocument(failure: StsError, requestId: string): string {
  return new XmlNode('ErrorResponse')
    .addAttribute('xmlns', NAMESPACE)
    .addChildNode(
      new XmlNode('Error')
        .addChildNode(XmlNode.of('Type', failure.status >= 500 ? 'Receiver' : 'Sender'))
        .addChildNode(XmlNode.of('Code', failure.code))
        .addChildNode(XmlNode.of('Message', failure.message)),
    )
    .addChildNode(XmlNode.of('RequestId', requestId))
    .toString();
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
