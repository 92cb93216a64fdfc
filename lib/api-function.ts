import { join } from 'node:path';
import { Duration, Validations } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as iam from 'aws-cdk-lib/aws-iam';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import { type ApiSettings, type Written, writeEnvironment } from '../shared/contract/environment';
import { type ContractRoute, isGuestRoute, servedRoutes } from '../shared/contract/routes';
import { CORS_ALLOWED_HEADERS, CORS_ALLOWED_METHODS, CORS_MAX_AGE_SECONDS } from '../shared/http/cors';
import { BUNDLED_FUNCTION, BUNDLING, PROJECT_ROOT } from './bundled-function';
import { GATEWAY_PROBLEMS, gatewayProblemTemplate } from './gateway-problems';
import type { SessionStore } from './session-store';
import type { StorageEvents } from './storage-events';
import type { UsersAndIdentity } from './users-and-identity';
import type { ValidatedProps } from './validate-props';

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

/**
 * The stage every route is deployed to: the API's URL ends in `/v1/`, and WAF, which sees paths
 * with the stage in front, matches the guest routes under it (lib/rate-limit.ts).
 */
export const STAGE_NAME = 'v1';

/** The validated settings `UserFilesApiProps` documents, and the resources the function uses. */
export interface ApiFunctionProps
  extends Pick<
    ValidatedProps,
    | 'allowedOrigins'
    | 'defaultUrlLifetime'
    | 'maxUrlLifetime'
    | 'maxUploadBytes'
    | 'uploadRules'
    | 'accessMode'
    | 'sessionDuration'
    | 'throttlingRateLimit'
    | 'throttlingBurstLimit'
    | 'logRetention'
    | 'removalPolicy'
    | 'quota'
    | 'groupQuota'
    | 'incompleteUploadExpiryDays'
    | 'guestAccess'
    | 'malwareScanning'
  > {
  /** The files bucket: named to the function, reached only with each caller's credentials. */
  readonly bucket: s3.IBucket;
  /** The pools, the identity roles and (direct mode) the identity directory. */
  readonly users: UsersAndIdentity;
  /** The usage ledger the function reserves uploads in and reports usage from. */
  readonly storageEvents: StorageEvents;
  /** The fleet-wide session store; undefined: each instance keeps its own sessions. */
  readonly sessionStore: SessionStore | undefined;
}

/**
 * The API: one Lambda function that signs URLs and calls S3 with each caller's own identity-pool
 * credentials (its own role has no S3 permission), behind a REST API with a Cognito authorizer on
 * every route but the guest ones, problem-document gateway responses, CORS and a stage throttle.
 * Adds them to `scope` under the IDs they have always had, so a deployed API keeps its URL.
 */
export class ApiFunction {
  public readonly handlerLogGroup: logs.LogGroup;
  public readonly handlerRole: iam.Role;
  public readonly handler: NodejsFunction;
  public readonly accessLogGroup: logs.LogGroup;
  public readonly api: apigw.RestApi;
  public readonly authorizer: apigw.CognitoUserPoolsAuthorizer;

  constructor(scope: Construct, props: ApiFunctionProps) {
    const { removalPolicy, logRetention: retention } = props;
    this.handlerLogGroup = new logs.LogGroup(scope, 'HandlerLogs', { retention, removalPolicy });
    this.handlerRole = handlerRole(scope, props.accessMode === 'sealed');
    this.handlerLogGroup.grantWrite(this.handlerRole);
    props.users.grantApi(this.handlerRole);
    props.storageEvents.grantApi(this.handlerRole);
    props.sessionStore?.grantApi(this.handlerRole);
    this.handler = new NodejsFunction(scope, 'Handler', {
      ...BUNDLED_FUNCTION,
      entry: join(PROJECT_ROOT, 'lambdas', 'api', 'handler.ts'),
      memorySize: 1024,
      timeout: Duration.seconds(10),
      role: this.handlerRole,
      logGroup: this.handlerLogGroup,
      environment: apiFunctionEnvironment(props),
      bundling: BUNDLING,
    });

    this.accessLogGroup = new logs.LogGroup(scope, 'ApiAccessLogs', { retention, removalPolicy });
    this.api = restApi(scope, this.accessLogGroup, props);
    this.authorizer = new apigw.CognitoUserPoolsAuthorizer(scope, 'Authorizer', {
      cognitoUserPools: [props.users.userPool],
      identitySource: apigw.IdentitySource.header('Authorization'),
    });
    addRoutes(this.api, this.handler, this.authorizer, props.guestAccess);
    addGatewayProblems(this.api, props.allowedOrigins[0]);
    // RestApi adds an `Endpoint` output of its own; the stack that uses this construct decides its
    // outputs (UserFilesStack names it ApiUrl).
    this.api.node.tryRemoveChild('Endpoint');
  }
}

/**
 * Every variable the API function reads, written as the contract defines them. Tokens resolve to
 * the resources' names and IDs at deploy time.
 */
function apiFunctionEnvironment(props: ApiFunctionProps): Record<string, string> {
  const { users, sessionStore } = props;
  return {
    ...writeEnvironment({
      userPoolId: users.userPool.userPoolId,
      // The handler serves only ID tokens of this app client: the authorizer accepts any client's.
      userPoolClientIds: [users.userPoolClient.userPoolClientId],
      identityPoolId: users.identityPool.ref,
      bucketName: props.bucket.bucketName,
      allowedOrigins: [...props.allowedOrigins],
      maxUploadBytes: props.maxUploadBytes,
      defaultUrlLifetimeSeconds: props.defaultUrlLifetime.toSeconds(),
      maxUrlLifetimeSeconds: props.maxUrlLifetime.toSeconds(),
      identityDirectoryTable: users.identityDirectory?.tableName,
      ledgerTable: props.storageEvents.ledger.tableName,
      quotaBytes: props.quota.bytes,
      quotaObjects: props.quota.objects,
      groupQuotaBytes: props.groupQuota.bytes,
      groupQuotaObjects: props.groupQuota.objects,
      uploadRules: props.uploadRules,
      accessMode: props.accessMode,
      authenticatedRoleArn: users.authenticatedRole.roleArn,
      // Set exactly with guest access: the function serves the guest routes when it is.
      unauthenticatedRoleArn: users.unauthenticatedRole?.roleArn,
      sessionDurationSeconds: props.sessionDuration.toSeconds(),
      developerProviderName: users.developerProviderName,
      incompleteUploadExpiryDays: props.incompleteUploadExpiryDays,
      // Both or neither, as the contract requires.
      sessionTable: sessionStore?.table.tableName,
      sessionKeyId: sessionStore?.key.keyArn,
      // Set exactly with scanning: the function then reports each object's scan status.
      malwareScanning: props.malwareScanning,
    } satisfies Written<ApiSettings>),
    // Stack traces point into the TypeScript sources through the bundled source map.
    NODE_OPTIONS: '--enable-source-maps',
  };
}

/**
 * Our own role instead of the default one: it gets only log writes to its own group (no
 * AWSLambdaBasicExecutionRole with `*` resources), then what the pools and the ledger grant it,
 * and, by design, no S3 permission at all.
 */
function handlerRole(scope: Construct, sealed: boolean): iam.Role {
  return new iam.Role(scope, 'HandlerRole', {
    description: sealed
      ? "User Files API function: writes its logs and gets developer-login tokens of its identity pool. S3 is reached with callers' credentials."
      : "User Files API function: writes its logs and identity-directory entries. S3 is reached with callers' credentials.",
    assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
  });
}

function restApi(scope: Construct, accessLogGroup: logs.LogGroup, props: ApiFunctionProps): apigw.RestApi {
  const api = new apigw.RestApi(scope, 'Api', {
    description: "User Files API: presigned S3 URLs signed with each caller's own identity credentials.",
    endpointTypes: [apigw.EndpointType.REGIONAL],
    // The API Gateway CloudWatch role is an account-wide setting; a construct must not own it.
    cloudWatchRole: false,
    deployOptions: {
      stageName: STAGE_NAME,
      tracingEnabled: true,
      accessLogDestination: new apigw.LogGroupLogDestination(accessLogGroup),
      accessLogFormat: ACCESS_LOG_FORMAT,
      throttlingRateLimit: props.throttlingRateLimit,
      throttlingBurstLimit: props.throttlingBurstLimit,
    },
    defaultCorsPreflightOptions: {
      allowOrigins: [...props.allowedOrigins],
      allowHeaders: CORS_ALLOWED_HEADERS,
      allowMethods: CORS_ALLOWED_METHODS,
      maxAge: Duration.seconds(CORS_MAX_AGE_SECONDS),
    },
  });
  Validations.of(api).acknowledge(
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
  return api;
}

/**
 * Every route of openapi.yaml, in this one place: all of them reach the one function. Signed-in
 * routes go through the Cognito authorizer; the guest routes (with `guestAccess`) through none.
 */
function addRoutes(
  api: apigw.RestApi,
  handler: NodejsFunction,
  authorizer: apigw.CognitoUserPoolsAuthorizer,
  guests: boolean,
): void {
  // One integration for every route; one invoke permission for the whole API, not one per method.
  const integration = new apigw.LambdaIntegration(handler, { scopePermissionToMethod: false });
  const signedIn: apigw.MethodOptions = { authorizer, authorizationType: apigw.AuthorizationType.COGNITO };
  const guest: apigw.MethodOptions = { authorizationType: apigw.AuthorizationType.NONE };
  // Every deployment has a ledger, so every route of the contract is served.
  for (const route of servedRoutes({ ledger: true, guests })) {
    const resource = api.root.resourceForPath(route.path);
    if (!isGuestRoute(route)) {
      resource.addMethod(route.method, integration, signedIn);
      continue;
    }
    acknowledgeGuestMethod(resource.addMethod(route.method, integration, guest), route);
  }
}

/** cdk-nag reports a method without authorization (APIG4) or Cognito authorizer (COG4). */
function acknowledgeGuestMethod(method: apigw.Method, route: ContractRoute): void {
  const reason = `${route.method} ${route.path} is public by design (guest access): no token, the function reads with the identity pool's unauthenticated role (public files only), and WAF's per-IP rule (guestRateLimit, on by default) and the stage throttle limit it.`;
  Validations.of(method).acknowledge(
    { id: 'AwsSolutions-APIG4', reason },
    { id: 'AwsSolutions-COG4', reason },
  );
}

/**
 * API Gateway's own errors: problem documents with CORS headers, so browsers can read them.
 * Gateway responses take static header values only, so with several origins the first one is
 * sent (the function's own responses echo whichever allowed origin called).
 */
function addGatewayProblems(api: apigw.RestApi, firstOrigin: string | undefined): void {
  const corsHeaders = {
    'Access-Control-Allow-Origin': `'${firstOrigin}'`,
    'Access-Control-Allow-Headers': `'${CORS_ALLOWED_HEADERS.join(',')}'`,
    'Content-Type': "'application/problem+json'",
  };
  for (const problem of GATEWAY_PROBLEMS) {
    api.addGatewayResponse(`GatewayResponse${pascal(problem.responseType)}`, {
      type: apigw.ResponseType.of(problem.responseType),
      statusCode: String(problem.status),
      responseHeaders:
        problem.retryAfterSeconds === undefined
          ? corsHeaders
          : { ...corsHeaders, 'Retry-After': `'${problem.retryAfterSeconds}'` },
      templates: { 'application/json': gatewayProblemTemplate(problem) },
    });
  }
}

function pascal(snake: string): string {
  return snake
    .toLowerCase()
    .split('_')
    .map((word) => word.charAt(0).toUpperCase() + word.slice(1))
    .join('');
}
