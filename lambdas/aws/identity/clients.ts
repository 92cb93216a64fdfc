/**
 * The identity service's AWS clients, created once per instance: Cognito Identity and STS, each with
 * one attempt (retries are `withRetries`' job) and timeouts that actually end a hung call.
 */
import { CognitoIdentityClient, type CognitoIdentityClientConfig } from '@aws-sdk/client-cognito-identity';
import { STSClient, type STSClientConfig } from '@aws-sdk/client-sts';

/**
 * Request timeouts for Cognito and STS: with 3 attempts the worst case stays near 7 s. Without
 * `throwOnRequestTimeout` the SDK's handler only logs a warning when `requestTimeout` passes and
 * keeps waiting, so a hung endpoint would hold the request until the function itself times out.
 */
export const COGNITO_TIMEOUTS = {
  connectionTimeout: 1_000,
  requestTimeout: 2_000,
  throwOnRequestTimeout: true,
} as const;

/**
 * The Cognito Identity client. `GetId` and `GetOpenIdToken` are unsigned; sealed mode's
 * `GetOpenIdTokenForDeveloperIdentity` is signed with the function's own role credentials (the
 * SDK's default chain). Retries are `withRetries`' job (see `retry.ts`), hence one attempt. The
 * endpoint comes from the SDK's standard configuration (`AWS_ENDPOINT_URL_COGNITO_IDENTITY`).
 */
export function createCognitoIdentityClient(
  region: string,
  overrides: Partial<CognitoIdentityClientConfig> = {},
): CognitoIdentityClient {
  return new CognitoIdentityClient({
    region,
    maxAttempts: 1,
    requestHandler: COGNITO_TIMEOUTS,
    ...overrides,
  });
}

/**
 * The STS client. `AssumeRoleWithWebIdentity` is unsigned (the OpenID token is the proof), so it
 * uses no credentials; one attempt, as above (`AWS_ENDPOINT_URL_STS` sets the endpoint).
 */
export function createStsClient(region: string, overrides: Partial<STSClientConfig> = {}): STSClient {
  return new STSClient({ region, maxAttempts: 1, requestHandler: COGNITO_TIMEOUTS, ...overrides });
}
