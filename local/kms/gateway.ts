/**
 * The local KMS front door (the `KmsEndpoint`): KMS's JSON protocol (`X-Amz-Target:
 * TrentService.<Op>`) in front of moto's KMS, where the session key lives. Every request must be
 * SigV4-signed (service `kms`); the API function's keys may only use the session key as the key
 * policy allows (`authorize.ts`), the admin keys may create and inspect keys for the bootstrap, and
 * anyone else is refused as KMS refuses. Each request is parsed once (`requests.ts`), authorized in
 * that form, and moto gets only the body rebuilt from it.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import {
  ACCOUNT_ID,
  AWS_JSON_CONTENT_TYPE,
  AwsJsonError,
  forwardToMoto,
  type Principals,
  readSignedJsonCall,
  settle,
} from '../core/aws-json';
import type { MotoServer } from '../moto/moto';
import { closeServer, LOOPBACK, listen } from '../stack/ports';
import { authorizeKeyUse, checkOperation, type SessionKey } from './authorize';
import { PARSERS } from './requests';

export type { SessionKey } from './authorize';

export interface KmsGatewayOptions {
  /** @default '127.0.0.1' */
  readonly host?: string;
  /** 0 or omitted: a free port. */
  readonly port?: number;
  readonly moto: Pick<MotoServer, 'agent'>;
  /** `function` may use the session key; `admin` creates keys; the rest are refused. */
  readonly principals: Principals;
  /** The session key, read per request: the bootstrap creates it after the door starts. */
  readonly sessionKey: () => SessionKey | undefined;
  /** @default 'us-east-1' */
  readonly region?: string;
  /** One line per request: operation and outcome, never keys or plaintexts. @default silent */
  readonly log?: (line: string) => void;
}

export interface KmsGateway {
  /** Base URL, for `endpoint` / `AWS_ENDPOINT_URL_KMS`. */
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

const TARGET_PREFIX = 'TrentService.';
/** KMS's largest requests (a 32 KiB key policy) are far below this. */
const MAX_BODY_BYTES = 64 * 1024;

export async function startKmsGateway(options: KmsGatewayOptions): Promise<KmsGateway> {
  const host = options.host ?? LOOPBACK;
  const region = options.region ?? 'us-east-1';
  const log = options.log ?? (() => {});
  const { agent } = options.moto;

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<string> {
    const { operation, caller, input } = await readSignedJsonCall(req, {
      targetPrefix: TARGET_PREFIX,
      maxBodyBytes: MAX_BODY_BYTES,
      service: 'kms',
      region,
      principals: options.principals,
    });
    checkOperation(caller, operation, input.KeyId, region);
    const parse = PARSERS.get(operation);
    if (!parse) throw new AwsJsonError('UnknownOperationException', 'Unknown operation.');
    const authorized = authorizeKeyUse(caller, operation, parse(input), options.sessionKey(), region);
    const status = await forwardToMoto(agent, res, {
      method: 'POST',
      path: '/',
      headers: {
        host: `kms.${region}.amazonaws.com`,
        'content-type': AWS_JSON_CONTENT_TYPE,
        'x-amz-target': `${TARGET_PREFIX}${operation}`,
        // moto names keys in this account, so the ARNs it answers are the ones the door checks.
        'x-moto-account-id': ACCOUNT_ID,
        // moto picks the service and region out of a signature's scope; it checks none.
        authorization: `AWS4-HMAC-SHA256 Credential=front-door/20000101/${region}/kms/aws4_request, SignedHeaders=host, Signature=0`,
      },
      body: Buffer.from(JSON.stringify(authorized), 'utf8'),
    });
    return `${operation} ${status}`;
  }

  const door = {
    service: 'kms',
    internal: new AwsJsonError('KMSInternalException', 'Internal server error.', 500),
    log,
  };
  const server = createServer((req, res) => settle(handle(req, res), res, door));
  const port = await listen(server, host, options.port ?? 0, 'the KMS gateway');
  return { url: `http://${host}:${port}`, port, close: () => closeServer(server) };
}
