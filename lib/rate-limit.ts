import { type Duration, Validations } from 'aws-cdk-lib';
import type * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as wafv2 from 'aws-cdk-lib/aws-wafv2';
import type { Construct } from 'constructs';
import { rateLimitedProblem } from './gateway-problems';

const RATE_LIMITED_BODY = 'rate_limited';

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

export interface RateLimitProps {
  /** The API whose stage the web ACL guards. */
  readonly api: apigw.RestApi;
  /** The validated limit; `false` creates no web ACL and acknowledges its absence. */
  readonly perUserRateLimit: Required<PerUserRateLimit> | false;
  /** Sent in `Access-Control-Allow-Origin` with a 429, so browsers can read it. */
  readonly allowedOrigin: string | undefined;
}

/**
 * The per-user rate limit in front of the API stage: a regional web ACL with one rate-based rule
 * and its association with the stage. Adds them to `scope` under the IDs they have always had, so
 * deployed stacks keep their web ACL.
 */
export class RateLimit {
  /** Undefined with `perUserRateLimit: false`. */
  public readonly webAcl?: wafv2.CfnWebACL;
  public readonly webAclAssociation?: wafv2.CfnWebACLAssociation;

  constructor(scope: Construct, props: RateLimitProps) {
    const { api, perUserRateLimit } = props;
    if (!perUserRateLimit) {
      Validations.of(api).acknowledge({
        id: 'AwsSolutions-APIG3',
        reason:
          'The deployer turned the per-user rate limit (perUserRateLimit) off, and with it the web ACL and its cost; the API is authenticated and throttled per stage, and deployers can associate their own web ACL with the stage.',
      });
      return;
    }
    this.webAcl = perUserWebAcl(scope, perUserRateLimit, props.allowedOrigin);
    this.webAclAssociation = new wafv2.CfnWebACLAssociation(scope, 'WebAclAssociation', {
      resourceArn: api.deploymentStage.stageArn,
      webAclArn: this.webAcl.attrArn,
    });
  }
}

/**
 * WAF cannot read a JWT's claims, so requests are counted per `Authorization` header value, that
 * is per ID token: a user's tokens are minted only by signing in (itself rate-limited by Cognito),
 * and a request whose token is not valid is refused by the authorizer after being counted.
 * Requests without the header are not counted by this rule (they never reach the function: the
 * authorizer answers 401).
 */
function perUserWebAcl(
  scope: Construct,
  limit: Required<PerUserRateLimit>,
  allowedOrigin: string | undefined,
): wafv2.CfnWebACL {
  const windowSeconds = limit.window.toSeconds();
  return new wafv2.CfnWebACL(scope, 'WebAcl', {
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
                { name: 'Access-Control-Allow-Origin', value: allowedOrigin ?? '' },
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
}

function metric(name: string): wafv2.CfnWebACL.VisibilityConfigProperty {
  return { cloudWatchMetricsEnabled: true, metricName: name, sampledRequestsEnabled: true };
}
