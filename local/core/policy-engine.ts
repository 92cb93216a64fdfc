/**
 * The IAM policy engine of the local stack: decides whether the authenticated role's identity
 * policy (and the bucket's policy, when it has one) allows one S3 request, the way IAM would for a
 * Cognito identity's assumed-role session.
 *
 * LICENCE: this is the only module that imports `@cloud-copilot/iam-simulate`, which is
 * AGPL-3.0-or-later. It is used by the local stack and the tests only. Never import this module
 * from `lambdas/`, `lib/`, `bin/` or `shared/`: it must never be bundled into the Lambda.
 *
 * Why `runUnsafeSimulation`: the validating `runSimulation` drops the
 * `cognito-identity.amazonaws.com:*` context keys as "not applicable to S3", so every
 * `${cognito-identity.amazonaws.com:sub}` resource fails to resolve and everything is denied.
 * The unsafe variant evaluates exactly the context we give it.
 */
import { runUnsafeSimulation, type Simulation } from '@cloud-copilot/iam-simulate';
import { LRUCache } from 'lru-cache';
import type { PolicyDocument } from '../../shared/policy/access-policy';
import type { BucketPolicyStatement } from '../../shared/policy/scan-policy';

/** A bucket policy: statements with a `Principal`, as S3 stores them. */
export interface ResourcePolicyDocument {
  readonly Version: '2012-10-17';
  readonly Statement: readonly BucketPolicyStatement[];
}

export interface PolicyRequest {
  /** The identity policy to evaluate (treated as a value: compared by content, not by reference). */
  readonly policy: PolicyDocument;
  /**
   * The bucket's policy, if any (also compared by content). Principal and bucket share one account,
   * so IAM allows what either policy allows and denies what either denies explicitly.
   */
  readonly resourcePolicy?: ResourcePolicyDocument;
  /** An IAM action such as `s3:GetObject`. */
  readonly action: string;
  /** The resource ARN: `arn:aws:s3:::{bucket}` or `arn:aws:s3:::{bucket}/{key}`, the key taken literally. */
  readonly resource: string;
  /** IAM context keys (`cognito-identity.amazonaws.com:sub`, `s3:prefix`, `aws:SecureTransport`...). */
  readonly context: Record<string, string | string[]>;
}

export type Decision = 'Allowed' | 'ExplicitlyDenied' | 'ImplicitlyDenied';

/**
 * The principal every request is evaluated as: a Cognito identity's session of the authenticated
 * role. Resource and principal share one account, so no SCP or RCP takes part and a bucket policy
 * adds to the identity policy (an explicit deny in either wins). Who the caller really is reaches
 * a bucket policy's conditions through the context (`aws:PrincipalArn`), as in IAM.
 */
export const SIMULATED_ACCOUNT_ID = '000000000000';
export const SIMULATED_PRINCIPAL_ARN = `arn:aws:sts::${SIMULATED_ACCOUNT_ID}:assumed-role/authenticated/CognitoIdentityCredentials`;

/** Bounds: a handful of policies (one per bucket/mutation) and the recent requests of each. */
const MAX_POLICIES = 32;
const MAX_DECISIONS_PER_POLICY = 10_000;

/*
 * The engine compiles IAM patterns to JavaScript regular expressions, which diverges from IAM for a
 * few characters of the *request* (found by the tests in test/policy/engine.test.ts):
 * - `*` in a request resource is read as a wildcard (a simulator feature: "may I touch anything
 *   like this?"), so a literal key such as `private/*\/x` overlaps `private/{me}/*` and comes out
 *   Allowed, although in S3 it is a key outside the caller's folder;
 * - `.` in a regex does not match line terminators, so a key or prefix containing `\n`, `\r`,
 *   U+2028 or U+2029 is denied even inside the caller's own folder.
 * Each such character is therefore replaced, in the resource and the context values, by its own
 * lone low surrogate (U+DC00..U+DC04): a policy wildcard matches it like any other code unit and no
 * policy literal equals it, so each comparison keeps its IAM outcome. Real keys and prefixes are
 * UTF-8, so well-formed strings never hold a lone surrogate and the mapping is one-to-one; input
 * that is not well-formed (which S3 could not receive) is denied outright.
 */
const PLACEHOLDERS: Readonly<Record<string, string>> = {
  '*': '\udc00',
  '\n': '\udc01',
  '\r': '\udc02',
  '\u2028': '\udc03',
  '\u2029': '\udc04',
};
const SPECIAL_CHARACTERS = /[*\n\r\u2028\u2029]/g;
/** In a policy, `${*}` is a literal star; it and literal line terminators would break the mapping. */
const UNSUPPORTED_IN_POLICY = /\$\{\*\}|[\n\r\u2028\u2029]/;

interface PolicyEntry {
  readonly identityPolicies: Simulation['identityPolicies'];
  readonly resourcePolicy: Simulation['resourcePolicy'];
  readonly decisions: LRUCache<string, Decision>;
  /** Lower-cased context keys the policies read (conditions and `${...}` variables). */
  readonly contextKeys: ReadonlySet<string>;
}

const policies = new LRUCache<string, PolicyEntry>({ max: MAX_POLICIES });

function entryFor(policy: PolicyDocument, resourcePolicy: ResourcePolicyDocument | undefined): PolicyEntry {
  // Keyed by content so a caller that rebuilds (or mutates) a document never gets stale answers.
  const json = JSON.stringify([policy, resourcePolicy ?? null]);
  let entry = policies.get(json);
  if (!entry) {
    if (
      policyStrings([policy, resourcePolicy]).some(
        (text) => UNSUPPORTED_IN_POLICY.test(text) || !text.isWellFormed(),
      )
    ) {
      throw new TypeError(
        'policy-engine: policies with a literal-star escape, line terminators or lone surrogates are not supported',
      );
    }
    // Private parsed copies: the engine sees the documents as they were when first evaluated.
    const [identity, resource] = JSON.parse(json) as [unknown, unknown];
    entry = {
      identityPolicies: [{ name: 'authenticated-role', policy: identity }],
      resourcePolicy: resource ? namedResourcePolicy(resource) : undefined,
      decisions: new LRUCache({ max: MAX_DECISIONS_PER_POLICY }),
      contextKeys: new Set([
        ...contextKeysOf(policy),
        ...(resourcePolicy ? contextKeysOf(resourcePolicy) : []),
      ]),
    };
    policies.set(json, entry);
  }
  return entry;
}

/**
 * The unsafe simulation loads a resource policy without a name, then reads its name (a TypeError);
 * a pre-validated policy (iam-policy's documented plain shape) carries its own.
 */
function namedResourcePolicy(document: unknown): Simulation['resourcePolicy'] {
  return { __validated: true, policyDocument: document, metadata: { name: 'bucket-policy' }, errors: [] };
}

function policyStrings(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (value !== null && typeof value === 'object') {
    return Object.entries(value).flatMap(([key, item]) => [key, ...policyStrings(item)]);
  }
  return [];
}

function literal(value: string): string {
  return value.replace(SPECIAL_CHARACTERS, (character) => PLACEHOLDERS[character] ?? character);
}

function isWellFormed(request: PolicyRequest): boolean {
  return (
    request.resource.isWellFormed() &&
    Object.values(request.context).every((value) =>
      (Array.isArray(value) ? value : [value]).every((item) => item.isWellFormed()),
    )
  );
}

/**
 * The context keys a policy can read: condition keys and policy variables (IAM compares key names
 * case-insensitively). No other key can change a decision, so only these belong in the cache key;
 * per-request keys such as `aws:CurrentTime` would otherwise make every request a miss.
 */
function contextKeysOf(policy: PolicyDocument | ResourcePolicyDocument): Set<string> {
  const keys = new Set<string>();
  for (const statement of policy.Statement) {
    for (const operator of Object.values(statement.Condition ?? {})) {
      for (const key of Object.keys(operator)) keys.add(key.toLowerCase());
    }
  }
  for (const text of policyStrings(policy)) {
    for (const match of text.matchAll(/\$\{([^}]+)\}/g)) keys.add((match[1] as string).toLowerCase());
  }
  return keys;
}

function decisionKey(request: PolicyRequest, contextKeys: ReadonlySet<string>): string {
  const context = Object.keys(request.context)
    .filter((key) => contextKeys.has(key.toLowerCase()))
    .sort()
    .map((key) => [key, request.context[key]]);
  return JSON.stringify([request.action, request.resource, context]);
}

function assertWellFormed(request: PolicyRequest): void {
  // Programming errors in the caller, not access decisions: fail loudly rather than deny quietly.
  if (!/^[a-z0-9-]+:[A-Za-z0-9]+$/.test(request.action)) {
    throw new TypeError(
      `policy-engine: action must be one concrete "service:Action", got "${request.action}"`,
    );
  }
  if (!request.resource.startsWith('arn:')) {
    throw new TypeError('policy-engine: resource must be an ARN');
  }
}

/**
 * The lower-cased context keys the request's policies can read: a caller fetches what is costly to
 * know (an object's tags) only when some policy reads it.
 */
export function contextKeysRead(
  request: Pick<PolicyRequest, 'policy' | 'resourcePolicy'>,
): ReadonlySet<string> {
  return entryFor(request.policy, request.resourcePolicy).contextKeys;
}

/** The engine's decision for one request, with the identity policy and the bucket's, if any. */
export async function evaluate(request: PolicyRequest): Promise<Decision> {
  assertWellFormed(request);
  const entry = entryFor(request.policy, request.resourcePolicy);
  const key = decisionKey(request, entry.contextKeys);
  const cached = entry.decisions.get(key);
  if (cached) return cached;

  let decision: Decision;
  if (!isWellFormed(request)) {
    decision = 'ImplicitlyDenied';
  } else {
    const contextVariables = Object.fromEntries(
      Object.entries(request.context).map(([name, value]) => [
        name,
        Array.isArray(value) ? value.map(literal) : literal(value),
      ]),
    );
    decision = runUnsafeSimulation(
      {
        request: {
          principal: SIMULATED_PRINCIPAL_ARN,
          action: request.action,
          resource: { resource: literal(request.resource), accountId: SIMULATED_ACCOUNT_ID },
          contextVariables,
        },
        identityPolicies: entry.identityPolicies,
        resourcePolicy: entry.resourcePolicy,
        serviceControlPolicies: [],
        resourceControlPolicies: [],
      },
      {},
    );
  }
  entry.decisions.set(key, decision);
  return decision;
}

/** True when a policy allows the request and no statement of either denies it. */
export async function isAllowed(request: PolicyRequest): Promise<boolean> {
  return (await evaluate(request)) === 'Allowed';
}
