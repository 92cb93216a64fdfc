/**
 * What the operation families share: the gateway's state (one per gateway), and one request as the
 * dispatcher hands it over, parsed, verified, authorized and with its body received.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { CredentialStore } from '../core/credential-store';
import type { ResourcePolicyDocument } from '../core/policy-engine';
import type { Principal } from './authorize';
import type { BucketCors } from './bucket-cors';
import type { JudgedObjects } from './judged-objects';
import type { ResolvedOperation } from './operations';
import type { BodyReceiver, ReceivedBody } from './receive-body';
import type { UploadRegistry } from './uploads';
import type { Moto, UpstreamTarget } from './upstream';
import type { KeyWrites, StorageWrite } from './writes';

export interface GatewayContext {
  readonly store: CredentialStore;
  /** A bucket's policy, evaluated with every request on it; undefined: it has none. */
  readonly bucketPolicy: (bucket: string) => ResourcePolicyDocument | undefined;
  readonly region: string;
  readonly now: () => number;
  readonly log: (line: string) => void;
  readonly moto: Moto;
  readonly cors: BucketCors;
  readonly bodies: BodyReceiver;
  /** Each multipart upload ID's bucket and key. */
  readonly uploads: UploadRegistry;
  readonly writes: KeyWrites;
  /** Reports a write that is not one key's (DeleteObjects' keys); KeyWrites reports the rest. */
  readonly onEvent: (event: StorageWrite) => void;
  /** Called once a request is authorized, before anything reaches moto (tests). */
  readonly afterAuthorize?: (operation: ResolvedOperation) => Promise<void>;
}

export interface Exchange {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly operation: ResolvedOperation;
  /** Whoever signed the request: what further checks (per key, ListBucket) are judged for. */
  readonly principal: Principal;
  /** The existing objects authorization read the tags of, and the ETag each was judged by. */
  readonly judged: JudgedObjects;
  /** The request moto gets, rebuilt from the parsed form (path, query and headers; no body yet). */
  readonly target: UpstreamTarget;
  /** Added to the answer: CORS and the request ID. */
  readonly responseHeaders: Readonly<Record<string, string>>;
  readonly body: ReceivedBody;
}
