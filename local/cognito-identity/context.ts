/**
 * What the identity pool's operations share for the life of the service: the credential store, the
 * region it serves, the login verifier, the OpenID token issuer and the throttles (credential
 * issuance per identity, guest identity creation for everyone at once).
 */
import type { IncomingMessage } from 'node:http';
import type { StaticCredentials } from '../core/aws-json';
import type { CredentialStore } from '../core/credential-store';
import type { TokenBuckets } from '../core/token-buckets';
import type { Input } from './input';
import type { LoginVerifier } from './login-verifier';
import type { OpenIdTokenIssuer } from './open-id-tokens';

export interface IdentityContext {
  readonly store: CredentialStore;
  readonly region: string;
  /** Lifetime of credentials from `GetCredentialsForIdentity`. */
  readonly lifetimeSeconds: number;
  readonly log: (line: string) => void;
  readonly logins: LoginVerifier;
  readonly openIdTokens: OpenIdTokenIssuer;
  /** Credential issuance per identity, so one user cannot crowd others out of the store. */
  readonly issuance: TokenBuckets;
  /** `GetId` without logins, one bucket for all callers: anyone may create guest identities. */
  readonly guestIdentities: TokenBuckets;
  /** The only credentials allowed to call `GetOpenIdTokenForDeveloperIdentity`. */
  readonly developerCredentials?: StaticCredentials;
}

/** What an operation may need of the raw request: signed operations verify it. */
export interface RawRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingMessage['headers'];
  readonly body: Buffer;
}

/** One Cognito Identity operation: its JSON input to its JSON output. */
export type Operation = (context: IdentityContext, input: Input, raw: RawRequest) => Promise<unknown>;
