/**
 * Who may call what on the local KMS door, as the deployed key policy and roles allow: the API
 * function only `SESSION_KEY_GRANTS.api`, only on the stack's session key, only with exactly
 * `SESSION_KEY_CONTEXT` (the key policy's condition); the admin keys what the bootstrap needs.
 */
import { SESSION_KEY_CONTEXT, SESSION_KEY_GRANTS } from '../../shared/contract/grants';
import { ACCOUNT_ID, accessDenied, type Caller } from '../core/aws-json';
import type { KmsRequest } from './requests';

/** The stack's session key, as CreateKey returned it. */
export interface SessionKey {
  readonly id: string;
  readonly arn: string;
}

const FUNCTION_OPERATIONS: ReadonlySet<string> = new Set(SESSION_KEY_GRANTS.api);
/** The bootstrap's needs: create the key, turn rotation on, and check both. */
const ADMIN_OPERATIONS: ReadonlySet<string> = new Set([
  'CreateKey',
  'EnableKeyRotation',
  'DescribeKey',
  'GetKeyRotationStatus',
]);

/** The ARN a refusal names for a key identifier, as KMS words it. */
function resourceOf(keyId: unknown, region: string): string {
  if (typeof keyId !== 'string' || keyId === '') return '*';
  if (keyId.startsWith('arn:')) return keyId;
  return `arn:aws:kms:${region}:${ACCOUNT_ID}:${keyId.startsWith('alias/') ? keyId : `key/${keyId}`}`;
}

/**
 * Whether `caller` may call `operation` at all; checked before the input is parsed, so a refused
 * operation reveals nothing of how its input would have been read.
 */
export function checkOperation(caller: Caller, operation: string, keyId: unknown, region: string): void {
  const allowed =
    (caller.kind === 'function' && FUNCTION_OPERATIONS.has(operation)) ||
    (caller.kind === 'admin' && ADMIN_OPERATIONS.has(operation));
  if (allowed) return;
  // CreateKey is an identity-policy action; every other one is decided by the key's policy.
  const policy = operation === 'CreateKey' ? 'identity-based' : 'resource-based';
  throw accessDenied(caller, `kms:${operation}`, resourceOf(keyId, region), policy);
}

function isSessionContext(context: Readonly<Record<string, string>> | undefined): boolean {
  const expected = Object.entries(SESSION_KEY_CONTEXT);
  return (
    context !== undefined &&
    Object.keys(context).length === expected.length &&
    expected.every(([key, value]) => Object.hasOwn(context, key) && context[key] === value)
  );
}

/**
 * The body moto gets for a parsed request `checkOperation` let through, or the AccessDeniedException
 * KMS answers. The function's requests are sent with the session key's ID as `KeyId`, so moto also
 * checks that a ciphertext is the session key's.
 */
export function authorizeKeyUse(
  caller: Caller,
  operation: string,
  request: KmsRequest,
  sessionKey: SessionKey | undefined,
  region: string,
): Record<string, unknown> {
  if (caller.kind === 'admin') {
    return request.keyId === undefined ? { ...request.body } : { ...request.body, KeyId: request.keyId };
  }
  const names = (keyId: string | undefined) =>
    sessionKey !== undefined && (keyId === sessionKey.id || keyId === sessionKey.arn);
  const onSessionKey =
    (request.keyId === undefined || names(request.keyId)) &&
    (request.blobKeyId === undefined || names(request.blobKeyId)) &&
    (request.keyId !== undefined || request.blobKeyId !== undefined);
  if (
    caller.kind !== 'function' ||
    !onSessionKey ||
    !isSessionContext(request.encryptionContext) ||
    sessionKey === undefined
  ) {
    const named = request.blobKeyId ?? request.keyId;
    throw accessDenied(caller, `kms:${operation}`, resourceOf(named, region), 'resource-based');
  }
  return { ...request.body, KeyId: sessionKey.id };
}
