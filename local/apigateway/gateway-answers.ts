/**
 * What API Gateway answers by itself: the deployed stack's gateway responses (the same table,
 * `lib/gateway-problems.ts`), with the message API Gateway puts in `$context.error.messageString`
 * as the detail and the `x-amzn-ErrorType` it sends.
 */
import { GATEWAY_PROBLEMS, type GatewayProblem } from '../../lib/gateway-problems';

export interface GatewayAnswer {
  readonly problem: GatewayProblem;
  /** The deployed response's fixed detail when it has one, else API Gateway's message. */
  readonly detail: string;
  /** API Gateway's `x-amzn-ErrorType` header. */
  readonly errorType: string;
}

function gatewayAnswer(responseType: string, message: string, errorType: string): GatewayAnswer {
  const problem = GATEWAY_PROBLEMS.find((p) => p.responseType === responseType);
  if (!problem) throw new Error(`no gateway response ${responseType} in lib/gateway-problems.ts`);
  return { problem, detail: problem.detail ?? message, errorType };
}

export const UNAUTHORIZED = gatewayAnswer('UNAUTHORIZED', 'Unauthorized', 'UnauthorizedException');
// The common mistake, which the local stack can name: a verified token of the pool, but the
// access token. (Deployed, the authorizer cannot say more than UNAUTHORIZED's detail.)
export const ACCESS_TOKEN: GatewayAnswer = {
  ...UNAUTHORIZED,
  detail:
    "Unauthorized: this is the user's access token; send the ID token (AuthenticationResult.IdToken) in the Authorization header.",
};
export const NO_SUCH_ROUTE = gatewayAnswer(
  'MISSING_AUTHENTICATION_TOKEN',
  'Missing Authentication Token',
  'MissingAuthenticationTokenException',
);
// A path parameter that is not valid percent-encoding cannot be decoded for the function.
export const BAD_PATH = gatewayAnswer(
  'BAD_REQUEST_PARAMETERS',
  'Invalid request path: a path parameter is not valid percent-encoding',
  'BadRequestException',
);
export const TOO_LARGE = gatewayAnswer('REQUEST_TOO_LARGE', 'Request Too Long', 'RequestTooLongException');
export const AUTHORIZER_ERROR = gatewayAnswer(
  'AUTHORIZER_CONFIGURATION_ERROR',
  'Authorizer configuration error',
  'AuthorizerConfigurationException',
);
export const INTEGRATION_FAILURE = gatewayAnswer(
  'INTEGRATION_FAILURE',
  'Internal server error',
  'InternalServerErrorException',
);
