import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import type * as apigw from 'aws-cdk-lib/aws-apigateway';
import type * as cognito from 'aws-cdk-lib/aws-cognito';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as wafv2 from 'aws-cdk-lib/aws-wafv2';
import { Construct } from 'constructs';
import { DEFAULTS } from '../shared/contract/environment';
import type { ScanSettings, ScanSettingsInput } from '../shared/domain/scan';
import { resolveUploadRules, type UploadRules, type UploadRulesInput } from '../shared/domain/upload-rules';
import { ApiFunction, STAGE_NAME } from './api-function';
import { FilesBucket } from './files-bucket';
import { MalwareScanning } from './malware-scanning';
import { type GuestRateLimit, type PerUserRateLimit, RateLimit } from './rate-limit';
import { SessionStore } from './session-store';
import { StorageEvents } from './storage-events';
import { type AccessMode, UsersAndIdentity } from './users-and-identity';
import { type ResolvedProps, type ValidatedProps, validateProps } from './validate-props';

export interface UserFilesApiProps {
  /**
   * Browser origins allowed to call the API and to PUT/GET the presigned URLs, such as
   * `https://app.example.com`. Scheme, host and optional port only; `*` is refused.
   */
  readonly allowedOrigins: readonly string[];
  /**
   * Lifetime of a presigned URL when the request names none.
   * @default Duration.minutes(15)
   */
  readonly defaultUrlLifetime?: Duration;
  /**
   * Longest lifetime a caller may ask for, at most `sessionDuration`. URLs also stop when the
   * signing session expires, whichever comes first (sessions are renewed before they would cut a
   * URL short).
   * @default Duration.hours(1)
   */
  readonly maxUrlLifetime?: Duration;
  /**
   * Largest object, in bytes, a user may upload (at most 5 TiB, S3's largest object). One presigned
   * PUT takes at most 5 GiB; anything larger goes through a multipart upload.
   * @default 104857600 (100 MiB)
   */
  readonly maxUploadBytes?: number;
  /**
   * What happens to the bucket, its access-log bucket, the user pool and the log groups when they
   * leave the stack. `DESTROY` also empties the buckets and lifts the user pool's deletion
   * protection; any other policy keeps the data.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
  /**
   * Steady-state requests per second of the whole API stage, shared by every caller; past it API
   * Gateway answers 429 (`throttled`, with `Retry-After`).
   * @default 50
   */
  readonly throttlingRateLimit?: number;
  /**
   * Requests the whole stage may take at once above the steady rate.
   * @default 100
   */
  readonly throttlingBurstLimit?: number;
  /**
   * A per-user limit in front of the stage (a rate-based rule of an AWS WAF web ACL), so that one
   * user cannot use up the stage throttle everyone shares. Past it WAF answers 429 with a
   * `rate_limited` problem and `Retry-After`. `false` removes the rule; the web ACL (and its cost)
   * goes too unless the guest rule (`guestRateLimit`) keeps it.
   * @default { limit: 300, window: Duration.minutes(1) }
   */
  readonly perUserRateLimit?: PerUserRateLimit | false;
  /**
   * With guest access: a limit per client IP address on the guest routes (`/public/...`), a second
   * rate-based rule of the same web ACL, since those requests carry no token to count by. Past it
   * WAF answers 429 with a `rate_limited` problem and `Retry-After`. `false` removes only this rule.
   * @default { limit: 300, window: Duration.minutes(1) }
   */
  readonly guestRateLimit?: GuestRateLimit | false;
  /**
   * How long the function's and the API's logs are kept.
   * @default logs.RetentionDays.ONE_MONTH
   */
  readonly logRetention?: logs.RetentionDays;

  // ---- Upload rules -----------------------------------------------------------------------
  /**
   * Per access level: `maxUploadBytes` (1 byte to 5 TiB; default `maxUploadBytes` above) and
   * `allowedContentTypes` (`type/subtype` or `type/*`, compared case-insensitively without
   * parameters; default: any type). Uploads outside them get 413 (size) or 400 (type), unsigned.
   * @default every level: `maxUploadBytes`, any content type
   */
  readonly uploadRules?: UploadRulesInput;

  // ---- Access mode and sessions ----
  /**
   * `sealed`: only the function can obtain storage credentials (a developer provider; users' ID
   * tokens are not logins of the identity pool), so every rule the API applies is enforced.
   * `direct`: the user pool is the pool's login provider, so users may also reach S3 with their own
   * identity credentials (SDK, CLI); isolation still holds by IAM, the API's limits are advisory.
   * @default 'sealed'
   */
  readonly accessMode?: AccessMode;
  /**
   * Length of the function's STS sessions for a caller, and the authenticated role's maximum
   * session duration: 1 to 12 hours. No URL outlives it, so `maxUrlLifetime` may not exceed it.
   * @default Duration.hours(12)
   */
  readonly sessionDuration?: Duration;
  /**
   * A fleet-wide session store: a DynamoDB table (on demand, items expire with their session) and a
   * KMS key only the API function may use. A function instance stores each session it mints,
   * sealed with KMS data keys, and other instances read it instead of minting their own. `false`
   * deploys neither (no KMS key, so $1 a month less): each instance then mints its own sessions.
   * @default true
   */
  readonly sessionStore?: boolean;
  /**
   * Guests: anyone may read `public` files through permanent links (`GET`/`HEAD
   * /public/{owner}/{key}`) and list one named owner's `public` folder (`GET /public/{owner}`),
   * without a token. The identity pool then allows unauthenticated identities, and its
   * unauthenticated role may only read `public` objects and list one named owner's `public`
   * folder (`buildUnauthenticatedRolePolicy`). `false`: `public` stays for signed-in users only.
   * @default true
   */
  readonly guestAccess?: boolean;
  // ---- Storage events (lib/storage-events.ts) -----------------------------------------------
  /**
   * Per-user quota: `bytes` and `objects` stored (a field left out: no limit). Uploads that would
   * exceed it get 403 `quota_exceeded`; objects that got past it anyway are removed.
   * @default no quota
   */
  readonly quota?: { readonly bytes?: number; readonly objects?: number };
  /**
   * Per-group quota: `bytes` and `objects` stored in each team folder (`groups/{group}/`), counted
   * once for the group whoever uploads (a field left out: no limit). Uploads that would exceed it
   * get 403 `quota_exceeded`; objects that got past it anyway are removed.
   * @default no quota
   */
  readonly groupQuota?: { readonly bytes?: number; readonly objects?: number };
  // ---- Multipart uploads --------------------------------------------------------------------
  /**
   * Whole days after which storage aborts a multipart upload that was never completed, freeing
   * its parts. A client can resume an upload for as long as it exists.
   * @default 2
   */
  readonly incompleteUploadExpiryDays?: number;
  // ---- Malware scanning (lib/malware-scanning.ts) -------------------------------------------
  /**
   * GuardDuty Malware Protection for S3 on the bucket (billed per GB scanned and per object):
   * storage serves a new object only once GuardDuty tagged it `NO_THREATS_FOUND` (and, with
   * `onUnsupported: 'serve'`, `UNSUPPORTED`); infected ones are removed, failed scans raise an
   * alarm. `true` scans the whole bucket and blocks unscannable files. `{ prefixes, onUnsupported }`:
   * up to 5 prefixes, each a level and a slash first (`public/`), and `'serve'` or `'block'`.
   * @default false
   */
  readonly malwareScanning?: boolean | ScanSettingsInput;
}

/**
 * A per-user file store: an S3 bucket, a Cognito user pool and identity pool, and a REST API whose
 * one Lambda function signs URLs and calls S3 **with each caller's own identity-pool
 * credentials**. The identity pool's authenticated role (built by `buildAuthenticatedRolePolicy`)
 * is therefore what decides what a user may touch; the function's own role has no S3 permission.
 * With guest access, the guest routes are answered with the unauthenticated role's session (built
 * by `buildUnauthenticatedRolePolicy`: read `public` only).
 *
 * It resolves and validates the props, then composes one part per concern: `FilesBucket`,
 * `UsersAndIdentity`, `StorageEvents`, `MalwareScanning` (optional), `SessionStore`, `ApiFunction`
 * and `RateLimit`. All but `StorageEvents` and `MalwareScanning` add their resources to this
 * construct itself, so every logical ID stays what deployed stacks have.
 */
export class UserFilesApi extends Construct {
  public readonly bucket: s3.Bucket;
  /** Receives the storage bucket's server access logs. */
  public readonly accessLogsBucket: s3.Bucket;
  public readonly userPool: cognito.UserPool;
  public readonly userPoolClient: cognito.UserPoolClient;
  public readonly identityPool: cognito.CfnIdentityPool;
  public readonly identityPoolRoleAttachment: cognito.CfnIdentityPoolRoleAttachment;
  /**
   * Direct mode only: the sub-to-identity directory, `{userPoolId}#{sub}` to identity ID, so a
   * returning user on a cold function instance costs no Cognito `GetId` (a low, account-wide
   * quota). Sealed mode needs none: the developer login yields the identity ID.
   */
  public readonly identityDirectory?: dynamodb.Table;
  /** The role every signed-in identity assumes; its policy is the whole access model. */
  public readonly authenticatedRole: iam.Role;
  /** The role of the deployment's guest identity (read `public` only); undefined with `guestAccess: false`. */
  public readonly unauthenticatedRole?: iam.Role;
  /** The fleet-wide session store's table; undefined with `sessionStore: false`. */
  public readonly sessionTable?: dynamodb.Table;
  /** The key of the session store's data keys (only the API function uses it); undefined with `sessionStore: false`. */
  public readonly sessionKey?: kms.Key;
  public readonly handlerRole: iam.Role;
  public readonly handlerLogGroup: logs.LogGroup;
  public readonly handler: NodejsFunction;
  public readonly accessLogGroup: logs.LogGroup;
  public readonly authorizer: apigw.CognitoUserPoolsAuthorizer;
  public readonly api: apigw.RestApi;
  /**
   * The rate limits on the stage (per user; per client IP on the guest routes); undefined when
   * neither is deployed.
   */
  public readonly webAcl?: wafv2.CfnWebACL;
  /** The validated settings the function receives. */
  public readonly allowedOrigins: readonly string[];
  public readonly defaultUrlLifetime: Duration;
  public readonly maxUrlLifetime: Duration;
  public readonly maxUploadBytes: number;
  /** Each level's upload rules, defaults filled in. */
  public readonly uploadRules: UploadRules;
  public readonly accessMode: AccessMode;
  public readonly sessionDuration: Duration;
  /** Whether guests may read `public` files without a token. */
  public readonly guestAccess: boolean;
  /** Sealed mode: the identity pool's developer provider name, `user-files.{stackName}`. */
  public readonly developerProviderName?: string;
  /** The bucket's events, the usage ledger and the events function. */
  public readonly storageEvents: StorageEvents;
  /** Days until storage aborts an incomplete multipart upload. */
  public readonly incompleteUploadExpiryDays: number;
  /** The scan plan, its role, the results rule and the failure alarm; undefined without scanning. */
  public readonly malwareScanning?: MalwareScanning;

  constructor(scope: Construct, id: string, props: UserFilesApiProps) {
    super(scope, id);
    // Validate everything first, so a bad prop fails before any resource exists.
    const settings = validateProps(withDefaults(props));
    this.allowedOrigins = settings.allowedOrigins;
    this.defaultUrlLifetime = settings.defaultUrlLifetime;
    this.maxUrlLifetime = settings.maxUrlLifetime;
    this.maxUploadBytes = settings.maxUploadBytes;
    this.uploadRules = resolveUploadRules(settings.uploadRules, settings.maxUploadBytes);
    this.accessMode = settings.accessMode;
    this.sessionDuration = settings.sessionDuration;
    this.guestAccess = settings.guestAccess;
    this.incompleteUploadExpiryDays = settings.incompleteUploadExpiryDays;

    const files = new FilesBucket(this, settings);
    this.bucket = files.bucket;
    this.accessLogsBucket = files.accessLogsBucket;

    const users = new UsersAndIdentity(this, { ...settings, bucket: this.bucket });
    this.userPool = users.userPool;
    this.userPoolClient = users.userPoolClient;
    this.developerProviderName = users.developerProviderName;
    this.identityPool = users.identityPool;
    this.authenticatedRole = users.authenticatedRole;
    this.unauthenticatedRole = users.unauthenticatedRole;
    this.identityPoolRoleAttachment = users.identityPoolRoleAttachment;
    this.identityDirectory = users.identityDirectory;

    // Before the API function, whose environment names the ledger.
    this.storageEvents = storageEvents(this, this.bucket, settings);
    this.malwareScanning = malwareScanning(this, this.bucket, this.storageEvents, settings.malwareScanning);

    // Also before the API function: its environment names the table and the key.
    const sessionStore = settings.sessionStore ? new SessionStore(this, settings) : undefined;
    this.sessionTable = sessionStore?.table;
    this.sessionKey = sessionStore?.key;

    const api = new ApiFunction(this, {
      ...settings,
      bucket: this.bucket,
      users,
      storageEvents: this.storageEvents,
      sessionStore,
    });
    this.handlerLogGroup = api.handlerLogGroup;
    this.handlerRole = api.handlerRole;
    this.handler = api.handler;
    this.accessLogGroup = api.accessLogGroup;
    this.api = api.api;
    this.authorizer = api.authorizer;

    this.webAcl = new RateLimit(this, {
      api: this.api,
      stageName: STAGE_NAME,
      perUserRateLimit: settings.perUserRateLimit,
      // Without guest routes there is nothing for the per-IP rule to count.
      guestRateLimit: settings.guestAccess && settings.guestRateLimit,
      allowedOrigin: settings.allowedOrigins[0],
    }).webAcl;
  }
}

/** Every prop with its documented default, resolved once. */
function withDefaults(props: UserFilesApiProps): ResolvedProps {
  return {
    allowedOrigins: props.allowedOrigins,
    defaultUrlLifetime: props.defaultUrlLifetime ?? Duration.seconds(DEFAULTS.defaultUrlLifetimeSeconds),
    maxUrlLifetime: props.maxUrlLifetime ?? Duration.seconds(DEFAULTS.maxUrlLifetimeSeconds),
    maxUploadBytes: props.maxUploadBytes ?? DEFAULTS.maxUploadBytes,
    removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    throttlingRateLimit: props.throttlingRateLimit ?? 50,
    throttlingBurstLimit: props.throttlingBurstLimit ?? 100,
    perUserRateLimit: rateLimitWithDefaults(props.perUserRateLimit, DEFAULTS.perUserRateLimit),
    guestAccess: props.guestAccess ?? true,
    guestRateLimit: rateLimitWithDefaults(props.guestRateLimit, DEFAULTS.guestRateLimit),
    logRetention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
    uploadRules: props.uploadRules,
    accessMode: props.accessMode ?? DEFAULTS.accessMode,
    sessionDuration: props.sessionDuration ?? Duration.seconds(DEFAULTS.sessionDurationSeconds),
    sessionStore: props.sessionStore ?? true,
    quota: props.quota ?? {},
    groupQuota: props.groupQuota ?? {},
    incompleteUploadExpiryDays: props.incompleteUploadExpiryDays ?? DEFAULTS.incompleteUploadExpiryDays,
    // `true` is every setting's default; the schema fills them in.
    malwareScanning: props.malwareScanning === true ? {} : (props.malwareScanning ?? false),
  };
}

/** A rate limit's `limit` and `window`, each defaulted on its own; `false` stays off. */
function rateLimitWithDefaults(
  given: PerUserRateLimit | GuestRateLimit | false | undefined,
  defaults: { readonly limit: number; readonly windowSeconds: number },
): Required<PerUserRateLimit | GuestRateLimit> | false {
  if (given === false) return false;
  return {
    limit: given?.limit ?? defaults.limit,
    window: given?.window ?? Duration.seconds(defaults.windowSeconds),
  };
}

/** The bucket's events and the usage ledger, applying the same upload rules as the API function. */
function storageEvents(scope: Construct, bucket: s3.Bucket, settings: ValidatedProps): StorageEvents {
  return new StorageEvents(scope, 'StorageEvents', {
    bucket,
    maxUploadBytes: settings.maxUploadBytes,
    uploadRules: settings.uploadRules,
    quota: settings.quota,
    groupQuota: settings.groupQuota,
    removalPolicy: settings.removalPolicy,
    logRetention: settings.logRetention,
  });
}

/** Scanning, when asked for: the plan on the bucket, its results to the events queue. */
function malwareScanning(
  scope: Construct,
  bucket: s3.Bucket,
  events: StorageEvents,
  settings: ScanSettings | undefined,
): MalwareScanning | undefined {
  if (!settings) return undefined;
  return new MalwareScanning(scope, 'MalwareScanning', { bucket, settings, storageEvents: events });
}
