import { join } from 'node:path';
import { Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as wafv2 from 'aws-cdk-lib/aws-wafv2';
import { Construct } from 'constructs';
import { resolveUploadRules, type UploadRules, type UploadRulesInput } from '../shared/domain/upload-rules';
import { CORS_ALLOWED_HEADERS, CORS_ALLOWED_METHODS, CORS_MAX_AGE_SECONDS } from '../shared/http/cors';
import {
  authenticatedRoleTrustConditions,
  buildAuthenticatedRolePolicy,
  COGNITO_IDENTITY_PRINCIPAL,
  IDENTITY_ID_VARIABLE,
} from '../shared/policy/access-policy';
import { BUNDLED_FUNCTION, BUNDLING, PROJECT_ROOT } from './bundled-function';
import { GATEWAY_PROBLEMS, gatewayProblemTemplate, rateLimitedProblem } from './gateway-problems';
import { StorageEvents } from './storage-events';
import { type ResolvedProps, validateProps } from './validate-props';

const RATE_LIMITED_BODY = 'rate_limited';

/**
 * One JSON line per request. Gateway errors (authorizer refusals, throttling) show up with their
 * message; the caller is identified by user-pool `sub`, never by token.
 */
const ACCESS_LOG_FORMAT = apigw.AccessLogFormat.custom(
  JSON.stringify({
    requestId: apigw.AccessLogField.contextRequestId(),
    extendedRequestId: apigw.AccessLogField.contextExtendedRequestId(),
    requestTime: apigw.AccessLogField.contextRequestTime(),
    ip: apigw.AccessLogField.contextIdentitySourceIp(),
    userAgent: apigw.AccessLogField.contextIdentityUserAgent(),
    httpMethod: apigw.AccessLogField.contextHttpMethod(),
    resourcePath: apigw.AccessLogField.contextResourcePath(),
    protocol: apigw.AccessLogField.contextProtocol(),
    status: apigw.AccessLogField.contextStatus(),
    responseLength: apigw.AccessLogField.contextResponseLength(),
    responseLatency: apigw.AccessLogField.contextResponseLatency(),
    integrationLatency: apigw.AccessLogField.contextIntegrationLatency(),
    errorType: apigw.AccessLogField.contextErrorResponseType(),
    errorMessage: apigw.AccessLogField.contextErrorMessage(),
    sub: apigw.AccessLogField.contextAuthorizerClaims('sub'),
    xrayTraceId: apigw.AccessLogField.contextXrayTraceId(),
  }),
);

export interface PerUserRateLimit {
  /**
   * Requests one user may make in `window` (WAF allows 10 to 2,000,000,000).
   * @default 300
   */
  readonly limit?: number;
  /**
   * How far back WAF counts: 1, 2, 5 or 10 minutes. Also what `Retry-After` says.
   * @default Duration.minutes(1)
   */
  readonly window?: Duration;
}

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
   * A per-user limit in front of the stage (an AWS WAF web ACL with one rate-based rule), so that
   * one user cannot use up the stage throttle everyone shares. Past it WAF answers 429 with a
   * `rate_limited` problem and `Retry-After`. `false` deploys no web ACL (and costs nothing).
   * @default { limit: 300, window: Duration.minutes(1) }
   */
  readonly perUserRateLimit?: PerUserRateLimit | false;
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
  // ---- Storage events (lib/storage-events.ts) -----------------------------------------------
  /**
   * Per-user quota: `bytes` and `objects` stored (a field left out: no limit). Uploads that would
   * exceed it get 403 `quota_exceeded`; objects that got past it anyway are removed.
   * @default no quota
   */
  readonly quota?: { readonly bytes?: number; readonly objects?: number };
  // ---- Multipart uploads --------------------------------------------------------------------
  /**
   * Whole days after which storage aborts a multipart upload that was never completed, freeing
   * its parts. A client can resume an upload for as long as it exists.
   * @default 2
   */
  readonly incompleteUploadExpiryDays?: number;
}

export type AccessMode = 'sealed' | 'direct';

/**
 * A per-user file store: an S3 bucket, a Cognito user pool and identity pool, and a REST API whose
 * one Lambda function signs URLs and calls S3 **with each caller's own identity-pool
 * credentials**. The identity pool's authenticated role (built by `buildAuthenticatedRolePolicy`)
 * is therefore what decides what a user may touch; the function's own role has no S3 permission.
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
  public readonly handlerRole: iam.Role;
  public readonly handlerLogGroup: logs.LogGroup;
  public readonly handler: NodejsFunction;
  public readonly accessLogGroup: logs.LogGroup;
  public readonly authorizer: apigw.CognitoUserPoolsAuthorizer;
  public readonly api: apigw.RestApi;
  /** The per-user rate limit on the stage; undefined with `perUserRateLimit: false`. */
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
  /** Sealed mode: the identity pool's developer provider name, `user-files.{stackName}`. */
  public readonly developerProviderName?: string;
  /** The bucket's events, the usage ledger and the events function. */
  public readonly storageEvents: StorageEvents;
  /** Days until storage aborts an incomplete multipart upload. */
  public readonly incompleteUploadExpiryDays: number;

  constructor(scope: Construct, id: string, props: UserFilesApiProps) {
    super(scope, id);

    // Validate everything first, so a bad prop fails before any resource exists.
    const settings = validateProps(withDefaults(props));
    const { removalPolicy, logRetention, uploadRules, perUserRateLimit } = settings;
    this.allowedOrigins = settings.allowedOrigins;
    this.defaultUrlLifetime = settings.defaultUrlLifetime;
    this.maxUrlLifetime = settings.maxUrlLifetime;
    this.accessMode = settings.accessMode;
    this.sessionDuration = settings.sessionDuration;
    const sealed = this.accessMode === 'sealed';
    this.maxUploadBytes = settings.maxUploadBytes;
    this.uploadRules = resolveUploadRules(uploadRules, this.maxUploadBytes);
    this.incompleteUploadExpiryDays = settings.incompleteUploadExpiryDays;
    const destroy = removalPolicy === RemovalPolicy.DESTROY;
    const { throttlingRateLimit, throttlingBurstLimit } = settings;

    // ---- Storage ----------------------------------------------------------------------------
    // Needs no access logs of its own: cdk-nag (S1) and S3 treat a log destination as the end of
    // the chain.
    this.accessLogsBucket = new s3.Bucket(this, 'AccessLogsBucket', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      lifecycleRules: [{ expiration: Duration.days(365) }],
      removalPolicy,
      autoDeleteObjects: destroy,
    });

    this.bucket = new s3.Bucket(this, 'Bucket', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      serverAccessLogsBucket: this.accessLogsBucket,
      serverAccessLogsPrefix: 'storage/',
      cors: [
        {
          allowedOrigins: [...this.allowedOrigins],
          allowedMethods: [s3.HttpMethods.GET, s3.HttpMethods.PUT, s3.HttpMethods.HEAD],
          // Presigned PUTs carry signed headers (Content-Type, checksums, If-None-Match) that vary
          // per upload; the signature, not CORS, is what restricts them.
          allowedHeaders: ['*'],
          // Multipart uploads need each part's ETag; checksums let clients verify uploads.
          exposedHeaders: ['ETag', 'x-amz-checksum-sha256'],
          maxAge: 3600,
        },
      ],
      lifecycleRules: [
        {
          id: 'AbortIncompleteMultipartUploads',
          abortIncompleteMultipartUploadAfter: Duration.days(this.incompleteUploadExpiryDays),
        },
      ],
      removalPolicy,
      autoDeleteObjects: destroy,
    });

    // ---- Users ------------------------------------------------------------------------------
    this.userPool = new cognito.UserPool(this, 'UserPool', {
      selfSignUpEnabled: true,
      signInAliases: { email: true },
      autoVerify: { email: true },
      standardAttributes: { email: { required: true, mutable: true } },
      passwordPolicy: {
        minLength: 12,
        requireLowercase: true,
        requireUppercase: true,
        requireDigits: true,
        requireSymbols: true,
        tempPasswordValidity: Duration.days(3),
      },
      accountRecovery: cognito.AccountRecovery.EMAIL_ONLY,
      mfa: cognito.Mfa.OPTIONAL,
      mfaSecondFactor: { otp: true, sms: false },
      featurePlan: cognito.FeaturePlan.ESSENTIALS,
      deletionProtection: !destroy,
      removalPolicy,
    });
    Validations.of(this.userPool).acknowledge(
      {
        id: 'AwsSolutions-COG2',
        reason:
          "MFA is offered (TOTP, optional) but not forced: requiring it changes the sign-up flow of every client app, which is the deployer's decision, not this construct's.",
      },
      {
        id: 'AwsSolutions-COG8',
        reason:
          'Threat protection needs the paid Plus feature plan; the pool uses Essentials so the construct deploys at no extra cost. Deployers can raise the plan on `userPool`.',
      },
    );

    this.userPoolClient = this.userPool.addClient('Client', {
      // A public client (browser, mobile): it cannot keep a secret.
      generateSecret: false,
      authFlows: { userSrp: true, userPassword: true },
      disableOAuth: true,
      preventUserExistenceErrors: true,
      enableTokenRevocation: true,
      idTokenValidity: Duration.hours(1),
      accessTokenValidity: Duration.hours(1),
      refreshTokenValidity: Duration.days(30),
    });

    // ---- Identities -------------------------------------------------------------------------
    // Sealed: a developer provider and NO user-pool provider, so a user's ID token is no login of
    // this pool (GetId, GetCredentialsForIdentity and GetOpenIdToken refuse it); only the
    // function, signing with its role, gets tokens. The classic flow lets the function assume the
    // role through STS for sessions longer than GetCredentialsForIdentity's fixed hour.
    if (sealed) this.developerProviderName = `user-files.${Stack.of(this).stackName}`;
    this.identityPool = new cognito.CfnIdentityPool(this, 'IdentityPool', {
      allowUnauthenticatedIdentities: false,
      allowClassicFlow: true,
      ...(sealed
        ? { developerProviderName: this.developerProviderName }
        : {
            cognitoIdentityProviders: [
              {
                providerName: this.userPool.userPoolProviderName,
                clientId: this.userPoolClient.userPoolClientId,
                // Refuse tokens of users who signed out globally or were disabled.
                serverSideTokenCheck: true,
              },
            ],
          }),
    });

    this.authenticatedRole = new iam.Role(this, 'AuthenticatedRole', {
      description: 'Assumed by signed-in Cognito identities; scopes each user to its own S3 folders.',
      maxSessionDuration: this.sessionDuration,
      assumedBy: new iam.FederatedPrincipal(
        COGNITO_IDENTITY_PRINCIPAL,
        authenticatedRoleTrustConditions(this.identityPool.ref),
        'sts:AssumeRoleWithWebIdentity',
      ),
      inlinePolicies: {
        UserFiles: iam.PolicyDocument.fromJson(
          buildAuthenticatedRolePolicy({ bucketArn: this.bucket.bucketArn }),
        ),
      },
    });
    this.acknowledgeAuthenticatedRoleWildcards();

    this.identityPoolRoleAttachment = new cognito.CfnIdentityPoolRoleAttachment(this, 'IdentityPoolRoles', {
      identityPoolId: this.identityPool.ref,
      roles: { authenticated: this.authenticatedRole.roleArn },
    });

    // Holds no secret (an identity ID grants nothing without the user's token), but it is user
    // data: encrypted, recoverable, and kept unless the deployer says otherwise.
    if (!sealed) {
      this.identityDirectory = new dynamodb.Table(this, 'IdentityDirectory', {
        partitionKey: { name: 'id', type: dynamodb.AttributeType.STRING },
        billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
        pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
        encryption: dynamodb.TableEncryption.AWS_MANAGED,
        removalPolicy,
      });
    }

    // ---- Function ---------------------------------------------------------------------------
    this.handlerLogGroup = new logs.LogGroup(this, 'HandlerLogs', { retention: logRetention, removalPolicy });
    // Our own role instead of the default one: it gets only log writes to its own group (no
    // AWSLambdaBasicExecutionRole with `*` resources), then per mode either developer-login tokens
    // of this one identity pool (sealed) or reads and writes of single directory entries (direct),
    // and, by design, no S3 permission at all.
    this.handlerRole = new iam.Role(this, 'HandlerRole', {
      description: sealed
        ? "User Files API function: writes its logs and gets developer-login tokens of its identity pool. S3 is reached with callers' credentials."
        : "User Files API function: writes its logs and identity-directory entries. S3 is reached with callers' credentials.",
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
    });
    this.handlerLogGroup.grantWrite(this.handlerRole);
    // DeleteItem: `DELETE /me/data` removes the caller's entry.
    this.identityDirectory?.grant(
      this.handlerRole,
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:DeleteItem',
    );
    // Sharing names the grantee by username: one user's record, of this pool only.
    this.userPool.grant(this.handlerRole, 'cognito-idp:AdminGetUser');
    if (sealed) {
      // It can mint a token for ANY identity of this pool: the identifier it asks for is built from
      // the authorizer-verified claims in one place (lambdas/aws/identity.ts).
      this.handlerRole.addToPrincipalPolicy(
        new iam.PolicyStatement({
          actions: ['cognito-identity:GetOpenIdTokenForDeveloperIdentity'],
          resources: [
            Stack.of(this).formatArn({
              service: 'cognito-identity',
              resource: 'identitypool',
              resourceName: this.identityPool.ref,
            }),
          ],
        }),
      );
    }

    this.handler = new NodejsFunction(this, 'Handler', {
      ...BUNDLED_FUNCTION,
      entry: join(PROJECT_ROOT, 'lambdas', 'api', 'handler.ts'),
      memorySize: 1024,
      timeout: Duration.seconds(10),
      role: this.handlerRole,
      logGroup: this.handlerLogGroup,
      environment: {
        USER_POOL_ID: this.userPool.userPoolId,
        // The handler serves only ID tokens of this app client: the authorizer accepts any client's.
        USER_POOL_CLIENT_IDS: this.userPoolClient.userPoolClientId,
        IDENTITY_POOL_ID: this.identityPool.ref,
        BUCKET_NAME: this.bucket.bucketName,
        ALLOWED_ORIGINS: this.allowedOrigins.join(','),
        MAX_UPLOAD_BYTES: String(this.maxUploadBytes),
        DEFAULT_URL_LIFETIME_SECONDS: String(this.defaultUrlLifetime.toSeconds()),
        MAX_URL_LIFETIME_SECONDS: String(this.maxUrlLifetime.toSeconds()),
        ...(this.identityDirectory ? { IDENTITY_DIRECTORY_TABLE: this.identityDirectory.tableName } : {}),
        ACCESS_MODE: this.accessMode,
        AUTHENTICATED_ROLE_ARN: this.authenticatedRole.roleArn,
        SESSION_DURATION_SECONDS: String(this.sessionDuration.toSeconds()),
        ...(this.developerProviderName ? { DEVELOPER_PROVIDER_NAME: this.developerProviderName } : {}),
        // Only what was given: the function fills in MAX_UPLOAD_BYTES as the construct did.
        ...(uploadRules === undefined ? {} : { UPLOAD_RULES: JSON.stringify(uploadRules) }),
        // Stack traces point into the TypeScript sources through the bundled source map.
        NODE_OPTIONS: '--enable-source-maps',
      },
      bundling: BUNDLING,
    });

    // ---- Storage events (lib/storage-events.ts) -------------------------------------------------
    this.storageEvents = new StorageEvents(this, 'StorageEvents', {
      bucket: this.bucket,
      maxUploadBytes: this.maxUploadBytes,
      ...(uploadRules === undefined ? {} : { uploadRulesJson: JSON.stringify(uploadRules) }),
      quota: settings.quota,
      removalPolicy,
      logRetention,
    });
    this.storageEvents.grantApi(this.handlerRole);
    for (const [name, value] of Object.entries(this.storageEvents.apiEnvironment)) {
      this.handler.addEnvironment(name, value);
    }

    // ---- API --------------------------------------------------------------------------------
    this.accessLogGroup = new logs.LogGroup(this, 'ApiAccessLogs', {
      retention: logRetention,
      removalPolicy,
    });
    this.api = new apigw.RestApi(this, 'Api', {
      description: "User Files API: presigned S3 URLs signed with each caller's own identity credentials.",
      endpointTypes: [apigw.EndpointType.REGIONAL],
      // The API Gateway CloudWatch role is an account-wide setting; a construct must not own it.
      cloudWatchRole: false,
      deployOptions: {
        stageName: 'v1',
        tracingEnabled: true,
        accessLogDestination: new apigw.LogGroupLogDestination(this.accessLogGroup),
        accessLogFormat: ACCESS_LOG_FORMAT,
        throttlingRateLimit,
        throttlingBurstLimit,
      },
      defaultCorsPreflightOptions: {
        allowOrigins: [...this.allowedOrigins],
        allowHeaders: CORS_ALLOWED_HEADERS,
        allowMethods: CORS_ALLOWED_METHODS,
        maxAge: Duration.seconds(CORS_MAX_AGE_SECONDS),
      },
    });
    if (!perUserRateLimit) {
      Validations.of(this.api).acknowledge({
        id: 'AwsSolutions-APIG3',
        reason:
          'The deployer turned the per-user rate limit (perUserRateLimit) off, and with it the web ACL and its cost; the API is authenticated and throttled per stage, and deployers can associate their own web ACL with the stage.',
      });
    }
    Validations.of(this.api).acknowledge(
      {
        id: 'AwsSolutions-APIG2',
        reason:
          'Requests are validated in the function against openapi.yaml (zod), so every 400 is a problem document naming the offending field; API Gateway validation would answer with a generic message instead.',
      },
      {
        id: 'AwsSolutions-APIG6',
        reason:
          'Execution logging needs the account-wide API Gateway CloudWatch role, which a reusable construct must not set; structured JSON access logs and X-Ray tracing are enabled on the stage instead.',
      },
    );

    this.authorizer = new apigw.CognitoUserPoolsAuthorizer(this, 'Authorizer', {
      cognitoUserPools: [this.userPool],
      identitySource: apigw.IdentitySource.header('Authorization'),
    });

    // One integration for every route; one invoke permission for the whole API, not one per method.
    const integration = new apigw.LambdaIntegration(this.handler, { scopePermissionToMethod: false });
    const methodOptions: apigw.MethodOptions = {
      authorizer: this.authorizer,
      authorizationType: apigw.AuthorizationType.COGNITO,
    };
    const me = this.api.root.addResource('me');
    me.addMethod('GET', integration, methodOptions);
    me.addResource('data').addMethod('DELETE', integration, methodOptions);
    const files = this.api.root.addResource('files');
    files.addMethod('GET', integration, methodOptions);
    files.addMethod('DELETE', integration, methodOptions);
    files.addResource('uploads').addMethod('POST', integration, methodOptions);
    const downloads = files.addResource('downloads');
    downloads.addMethod('POST', integration, methodOptions);
    downloads.addResource('batch').addMethod('POST', integration, methodOptions);
    files.addResource('properties').addMethod('GET', integration, methodOptions);
    // Multipart uploads: the handle travels in the body, so every operation is a POST.
    const multipart = files.addResource('multipart');
    multipart.addMethod('POST', integration, methodOptions);
    for (const operation of ['parts', 'progress', 'complete', 'abort']) {
      multipart.addResource(operation).addMethod('POST', integration, methodOptions);
    }
    files.addResource('copies').addMethod('POST', integration, methodOptions);
    const shares = files.addResource('shares');
    shares.addMethod('POST', integration, methodOptions);
    shares.addMethod('GET', integration, methodOptions);
    files.addResource('shared-with-me').addMethod('GET', integration, methodOptions);

    // API Gateway's own errors: problem documents with CORS headers, so browsers can read them.
    // Gateway responses take static header values only, so with several origins the first one is
    // sent (the function's own responses echo whichever allowed origin called).
    const corsHeaders = {
      'Access-Control-Allow-Origin': `'${this.allowedOrigins[0]}'`,
      'Access-Control-Allow-Headers': `'${CORS_ALLOWED_HEADERS.join(',')}'`,
      'Content-Type': "'application/problem+json'",
    };
    for (const problem of GATEWAY_PROBLEMS) {
      this.api.addGatewayResponse(`GatewayResponse${pascal(problem.responseType)}`, {
        type: apigw.ResponseType.of(problem.responseType),
        statusCode: String(problem.status),
        responseHeaders:
          problem.retryAfterSeconds === undefined
            ? corsHeaders
            : { ...corsHeaders, 'Retry-After': `'${problem.retryAfterSeconds}'` },
        templates: { 'application/json': gatewayProblemTemplate(problem) },
      });
    }
    // ---- Per-user rate limit -----------------------------------------------------------------
    if (perUserRateLimit) this.webAcl = this.addPerUserRateLimit(perUserRateLimit);

    // RestApi adds an `Endpoint` output of its own; the stack that uses this construct decides its
    // outputs (UserFilesStack names it ApiUrl).
    this.api.node.tryRemoveChild('Endpoint');
  }

  /**
   * A regional web ACL on the stage with one rate-based rule. WAF cannot read a JWT's claims, so
   * requests are counted per `Authorization` header value, that is per ID token: a user's tokens
   * are minted only by signing in (itself rate-limited by Cognito), and a request whose token is
   * not valid is refused by the authorizer after being counted. Requests without the header are not
   * counted by this rule (they never reach the function: the authorizer answers 401).
   */
  private addPerUserRateLimit(limit: Required<PerUserRateLimit>): wafv2.CfnWebACL {
    const windowSeconds = limit.window.toSeconds();
    const metric = (name: string) => ({
      cloudWatchMetricsEnabled: true,
      metricName: name,
      sampledRequestsEnabled: true,
    });
    const webAcl = new wafv2.CfnWebACL(this, 'WebAcl', {
      description: 'User Files API: per-user request limit in front of the stage.',
      scope: 'REGIONAL',
      defaultAction: { allow: {} },
      visibilityConfig: metric('UserFilesApi'),
      customResponseBodies: {
        [RATE_LIMITED_BODY]: {
          // WAF's JSON content type is application/json; the body is the API's problem shape.
          contentType: 'APPLICATION_JSON',
          content: JSON.stringify(rateLimitedProblem(windowSeconds)),
        },
      },
      rules: [
        {
          name: 'PerUserRateLimit',
          priority: 0,
          action: {
            block: {
              customResponse: {
                responseCode: 429,
                customResponseBodyKey: RATE_LIMITED_BODY,
                responseHeaders: [
                  { name: 'Retry-After', value: String(windowSeconds) },
                  { name: 'Access-Control-Allow-Origin', value: this.allowedOrigins[0] ?? '' },
                ],
              },
            },
          },
          statement: {
            rateBasedStatement: {
              limit: limit.limit,
              evaluationWindowSec: windowSeconds,
              aggregateKeyType: 'CUSTOM_KEYS',
              customKeys: [
                { header: { name: 'authorization', textTransformations: [{ priority: 0, type: 'NONE' }] } },
              ],
            },
          },
          visibilityConfig: metric('UserFilesApiPerUserRateLimit'),
        },
      ],
    });
    new wafv2.CfnWebACLAssociation(this, 'WebAclAssociation', {
      resourceArn: this.api.deploymentStage.stageArn,
      webAclArn: webAcl.attrArn,
    });
    return webAcl;
  }

  /**
   * cdk-nag's IAM5 reports every wildcard resource of the authenticated role. Each one is part of
   * the access model (docs/architecture.md, "Storage layout"); anything else the builder might add stays reported.
   */
  private acknowledgeAuthenticatedRoleWildcards(): void {
    const cfnBucket = this.bucket.node.defaultChild as s3.CfnBucket;
    const nagBucketArn = `<${Stack.of(this).getLogicalId(cfnBucket)}.Arn>`;
    const document = buildAuthenticatedRolePolicy({ bucketArn: nagBucketArn });
    const ownFolder = `/${IDENTITY_ID_VARIABLE}/*`;
    const sharedRead = new Set([`${nagBucketArn}/protected/*`, `${nagBucketArn}/public/*`]);
    // cdk-nag writes policy variables as `<name>` in finding IDs.
    const findingId = (resource: string) =>
      `AwsSolutions-IAM5[Resource::${resource.replace(/\$\{([^}]+)\}/g, '<$1>')}]`;
    const sharedWithCaller = `${nagBucketArn}/shared/*${ownFolder}`;
    for (const statement of document.Statement) {
      for (const resource of statement.Resource) {
        if (resource === sharedWithCaller && statement.Action.every((a) => a === 's3:GetObject')) {
          Validations.of(this.authenticatedRole).acknowledge({
            id: findingId(resource),
            reason: `Read-only access to what any owner shares with the caller (shared/{owner}/{caller}/...), bound to the caller by the ${IDENTITY_ID_VARIABLE} policy variable; the API refuses identity-shaped path segments in this level, since the wildcard spans "/".`,
          });
        } else if (resource.endsWith(ownFolder)) {
          Validations.of(this.authenticatedRole).acknowledge({
            id: findingId(resource),
            reason: `Objects under the caller's own folder: the path is bound to the caller by the ${IDENTITY_ID_VARIABLE} policy variable, which S3 resolves per request.`,
          });
        } else if (sharedRead.has(resource) && statement.Action.every((a) => a === 's3:GetObject')) {
          Validations.of(this.authenticatedRole).acknowledge({
            id: findingId(resource),
            reason:
              'Read-only access to protected and public files of any owner, as the access model requires (docs/architecture.md); listing them stays limited to one named owner by s3:prefix conditions.',
          });
        }
      }
    }
  }
}

/** Every prop with its documented default, resolved once. */
function withDefaults(props: UserFilesApiProps): ResolvedProps {
  const rateLimit = props.perUserRateLimit;
  return {
    allowedOrigins: props.allowedOrigins,
    defaultUrlLifetime: props.defaultUrlLifetime ?? Duration.minutes(15),
    maxUrlLifetime: props.maxUrlLifetime ?? Duration.hours(1),
    maxUploadBytes: props.maxUploadBytes ?? 100 * 1024 * 1024,
    removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    throttlingRateLimit: props.throttlingRateLimit ?? 50,
    throttlingBurstLimit: props.throttlingBurstLimit ?? 100,
    perUserRateLimit:
      rateLimit === false
        ? false
        : { limit: rateLimit?.limit ?? 300, window: rateLimit?.window ?? Duration.minutes(1) },
    logRetention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
    uploadRules: props.uploadRules,
    accessMode: props.accessMode ?? 'sealed',
    sessionDuration: props.sessionDuration ?? Duration.hours(12),
    quota: props.quota ?? {},
    incompleteUploadExpiryDays: props.incompleteUploadExpiryDays ?? 2,
  };
}

function pascal(snake: string): string {
  return snake
    .toLowerCase()
    .split('_')
    .map((word) => word.charAt(0).toUpperCase() + word.slice(1))
    .join('');
}
