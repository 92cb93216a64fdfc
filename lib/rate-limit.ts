import { type Duration, Token, Validations } from 'aws-cdk-lib';
import type * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as wafv2 from 'aws-cdk-lib/aws-wafv2';
import type { Construct } from 'constructs';
import { isGuestRoute, ROUTES } from '../shared/contract/routes';
import { rateLimitedProblem } from './gateway-problems';

/** The per-user rule's body key; unchanged since the first web ACL. */
const RATE_LIMITED_BODY = 'rate_limited';
const RATE_LIMITED_BY_IP_BODY = 'rate_limited_by_ip';

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

export interface GuestRateLimit {
  /**
   * Requests one client IP address may make to the guest routes (`/public/...`) in `window` (WAF
   * allows 10 to 2,000,000,000).
   * @default 300
   */
  readonly limit?: number;
  /**
   * How far back WAF counts: 1, 2, 5 or 10 minutes. Also what `Retry-After` says.
   * @default Duration.minutes(1)
   */
  readonly window?: Duration;
}

export interface RateLimitProps {
  /** The API whose stage the web ACL guards. */
  readonly api: apigw.RestApi;
  /** That stage's name, which WAF sees at the start of every path (a token would not match). */
  readonly stageName: string;
  /** The validated per-user limit; `false`: no per-user rule. */
  readonly perUserRateLimit: Required<PerUserRateLimit> | false;
  /** The validated limit of the guest routes per client IP; `false` (or no guest access): no such rule. */
  readonly guestRateLimit: Required<GuestRateLimit> | false;
  /** Sent in `Access-Control-Allow-Origin` with a 429, so browsers can read it. */
  readonly allowedOrigin: string | undefined;
}

/** One rate-based rule and the problem document it answers with. */
interface LimitRule {
  readonly rule: wafv2.CfnWebACL.RuleProperty;
  readonly bodyKey: string;
  readonly body: wafv2.CfnWebACL.CustomResponseBodyProperty;
  /** What the web ACL's description says of it. */
  readonly purpose: string;
}

/**
 * The rate limits in front of the API stage: a regional web ACL with a rate-based rule per user
 * and, with guest access, one per client IP on the guest routes, and its association with the
 * stage. Adds them to `scope` under the IDs they have always had, so deployed stacks keep their
 * web ACL. Neither rule: no web ACL at all.
 */
export class RateLimit {
  /** Undefined when neither rule is deployed. */
  public readonly webAcl?: wafv2.CfnWebACL;
  public readonly webAclAssociation?: wafv2.CfnWebACLAssociation;

  constructor(scope: Construct, props: RateLimitProps) {
    const { api, perUserRateLimit, guestRateLimit, allowedOrigin } = props;
    const rules = [
      ...(perUserRateLimit ? [perUserRule(perUserRateLimit, allowedOrigin)] : []),
      ...(guestRateLimit
        ? [perClientIpPublicRule(guestRateLimit, guestPathPrefix(props.stageName), allowedOrigin)]
        : []),
    ];
    if (rules.length === 0) {
      Validations.of(api).acknowledge({
        id: 'AwsSolutions-APIG3',
        reason:
          'The deployer turned the rate limits off (perUserRateLimit: false, and guestRateLimit: false or no guest access), and with them the web ACL and its cost; the stage throttle still applies, and deployers can associate their own web ACL with the stage.',
      });
      return;
    }
    this.webAcl = webAcl(scope, rules);
    this.webAclAssociation = new wafv2.CfnWebACLAssociation(scope, 'WebAclAssociation', {
      resourceArn: api.deploymentStage.stageArn,
      webAclArn: this.webAcl.attrArn,
    });
  }
}

function webAcl(scope: Construct, rules: readonly LimitRule[]): wafv2.CfnWebACL {
  return new wafv2.CfnWebACL(scope, 'WebAcl', {
    description: `User Files API: ${rules.map((limit) => limit.purpose).join(' and ')} in front of the stage.`,
    scope: 'REGIONAL',
    defaultAction: { allow: {} },
    visibilityConfig: metric('UserFilesApi'),
    customResponseBodies: Object.fromEntries(rules.map((limit) => [limit.bodyKey, limit.body])),
    rules: rules.map((limit) => limit.rule),
  });
}

/**
 * WAF cannot read a JWT's claims, so requests are counted per `Authorization` header value, that
 * is per ID token: a user's tokens are minted only by signing in (itself rate-limited by Cognito),
 * and a request whose token is not valid is refused by the authorizer after being counted.
 * Requests without the header are not counted by this rule: on a signed-in route the authorizer
 * answers them 401 before the function runs, and the guest routes, which take no token, are
 * counted per client IP by the guest rule when it is deployed.
 */
function perUserRule(limit: Required<PerUserRateLimit>, allowedOrigin: string | undefined): LimitRule {
  const windowSeconds = limit.window.toSeconds();
  return {
    purpose: 'per-user request limit',
    bodyKey: RATE_LIMITED_BODY,
    body: problemBody(windowSeconds, 'user'),
    rule: {
      name: 'PerUserRateLimit',
      priority: 0,
      action: blockWith429(RATE_LIMITED_BODY, windowSeconds, allowedOrigin),
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
  };
}

/**
 * The guest routes take no token, so their callers are counted by client IP address, and only
 * there: signed-in callers behind one address (an office, a carrier's NAT) keep their per-user
 * budgets. The path is URL-decoded and normalized before the prefix is compared, so a guest
 * request written differently (`%70ublic`, `//public`) is still counted.
 */
function perClientIpPublicRule(
  limit: Required<GuestRateLimit>,
  pathPrefix: string,
  allowedOrigin: string | undefined,
): LimitRule {
  const windowSeconds = limit.window.toSeconds();
  return {
    purpose: `per-IP limit on ${pathPrefix}`,
    bodyKey: RATE_LIMITED_BY_IP_BODY,
    body: problemBody(windowSeconds, 'address'),
    rule: {
      name: 'PerClientIpPublicRateLimit',
      priority: 1,
      action: blockWith429(RATE_LIMITED_BY_IP_BODY, windowSeconds, allowedOrigin),
      statement: {
        rateBasedStatement: {
          limit: limit.limit,
          evaluationWindowSec: windowSeconds,
          aggregateKeyType: 'IP',
          scopeDownStatement: {
            byteMatchStatement: {
              fieldToMatch: { uriPath: {} },
              positionalConstraint: 'STARTS_WITH',
              searchString: pathPrefix,
              textTransformations: [
                { priority: 0, type: 'URL_DECODE' },
                { priority: 1, type: 'NORMALIZE_PATH' },
              ],
            },
          },
        },
      },
      visibilityConfig: metric('UserFilesApiPerClientIpPublicRateLimit'),
    },
  };
}

/**
 * `/{stage}/public/` as WAF sees the guest routes' paths on the stage's default domain; the segment
 * comes from the contract's guest routes, so a guest route elsewhere fails synthesis instead of
 * escaping the rule.
 */
function guestPathPrefix(stageName: string): string {
  if (Token.isUnresolved(stageName)) {
    throw new Error('UserFilesApi: the guest rate limit needs a literal stage name to match paths.');
  }
  const segments = new Set(ROUTES.filter(isGuestRoute).map((route) => route.path.split('/')[1]));
  const [segment] = segments;
  if (segments.size !== 1 || !segment) {
    throw new Error('UserFilesApi: the guest routes must share their first path segment.');
  }
  return `/${stageName}/${segment}/`;
}

/** The `rate_limited` problem, in WAF's JSON content type (the body is the API's problem shape). */
function problemBody(
  windowSeconds: number,
  counted: 'user' | 'address',
): wafv2.CfnWebACL.CustomResponseBodyProperty {
  return {
    contentType: 'APPLICATION_JSON',
    content: JSON.stringify(rateLimitedProblem(windowSeconds, counted)),
  };
}

function blockWith429(
  bodyKey: string,
  windowSeconds: number,
  allowedOrigin: string | undefined,
): wafv2.CfnWebACL.RuleActionProperty {
  return {
    block: {
      customResponse: {
        responseCode: 429,
        customResponseBodyKey: bodyKey,
        responseHeaders: [
          { name: 'Retry-After', value: String(windowSeconds) },
          { name: 'Access-Control-Allow-Origin', value: allowedOrigin ?? '' },
        ],
      },
    },
  };
}

function metric(name: string): wafv2.CfnWebACL.VisibilityConfigProperty {
  return { cloudWatchMetricsEnabled: true, metricName: name, sampledRequestsEnabled: true };
}
