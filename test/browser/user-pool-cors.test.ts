/**
 * The local user pool answers browsers as Cognito does (CORS for any origin), which the console's
 * sign-in needs; CORS changes nothing about who may do what: an unsigned admin operation sent with
 * an Origin is still refused.
 */
import { describe, expect, it } from 'vitest';
import { consoleTarget } from './support/target';

const origin = () => new URL(consoleTarget().consoleUrl).origin;

describe('the user pool from a browser origin', () => {
  it('answers the preflight of InitiateAuth', async () => {
    const preflight = await fetch(consoleTarget().userPool.endpoint, {
      method: 'OPTIONS',
      headers: {
        Origin: origin(),
        'Access-Control-Request-Method': 'POST',
        'Access-Control-Request-Headers': 'content-type,x-amz-target',
      },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe('*');
    expect(preflight.headers.get('access-control-allow-methods')).toContain('POST');
    const allowed = preflight.headers.get('access-control-allow-headers')?.split(/,\s*/) ?? [];
    expect(allowed).toEqual(expect.arrayContaining(['content-type', 'x-amz-target']));
  });

  it('lets the page read a refusal, and still refuses unsigned admin operations', async () => {
    const { userPool } = consoleTarget();
    const answer = await fetch(userPool.endpoint, {
      method: 'POST',
      headers: {
        Origin: origin(),
        'Content-Type': 'application/x-amz-json-1.1',
        'X-Amz-Target': 'AWSCognitoIdentityProviderService.AdminCreateUser',
      },
      body: JSON.stringify({ UserPoolId: 'us-east-1_x', Username: 'mallory' }),
    });
    expect(answer.status).toBe(403);
    expect(answer.headers.get('access-control-allow-origin')).toBe('*');
    expect(((await answer.json()) as { __type?: string }).__type).toBe('MissingAuthenticationTokenException');
  });
});
