/**
 * The console's sign-in module against the local user pool, run in Node (it only needs fetch):
 * password sign-in, a refusal with Cognito's error type, and one REFRESH_TOKEN_AUTH shared by
 * concurrent requests once the ID token nears expiry, whose new token the API accepts.
 */
import { describe, expect, it } from 'vitest';
import { REFRESH_MARGIN_MS, SignInError, signIn } from '../../console/src/auth';
import { createFilesClient } from '../../shared/api/client';
import { consoleTarget, demoUser } from './support/target';

/** fetch, counting each InitiateAuth by its flow. */
function countingFetch(): { fetch: typeof fetch; flows: string[] } {
  const flows: string[] = [];
  return {
    flows,
    fetch: async (input, init) => {
      if (typeof init?.body === 'string')
        flows.push(String((JSON.parse(init.body) as { AuthFlow?: string }).AuthFlow));
      return fetch(input, init);
    },
  };
}

describe('console sign-in', () => {
  it('refuses a wrong password with the user pool error type', async () => {
    const { userPool } = consoleTarget();
    const user = demoUser(0);
    const attempt = signIn(userPool, user.username, `${user.password}-wrong`);
    await expect(attempt).rejects.toBeInstanceOf(SignInError);
    await expect(attempt).rejects.toMatchObject({ type: 'NotAuthorizedException' });
  });

  it('refreshes the ID token once, shared, when it nears expiry, and the API accepts the new one', async () => {
    const { userPool, apiUrl } = consoleTarget();
    const user = demoUser(1);
    let now = Date.now();
    const counting = countingFetch();
    const session = await signIn(userPool, user.username, user.password, {
      now: () => now,
      fetch: counting.fetch,
    });
    const first = await session.idToken();
    expect(counting.flows).toEqual(['USER_PASSWORD_AUTH']);

    // Still well before expiry: the same token, no call.
    now += 30 * 60 * 1000;
    await expect(session.idToken()).resolves.toBe(first);
    expect(counting.flows).toEqual(['USER_PASSWORD_AUTH']);

    // Inside the margin: one refresh, whoever asks.
    now += 30 * 60 * 1000 - REFRESH_MARGIN_MS + 1000;
    const [a, b] = await Promise.all([session.idToken(), session.idToken()]);
    expect(counting.flows).toEqual(['USER_PASSWORD_AUTH', 'REFRESH_TOKEN_AUTH']);
    expect(a).toBe(b);
    expect(a).not.toBe('');

    const api = createFilesClient({ baseUrl: apiUrl, getIdToken: () => session.idToken() });
    const me = await api.GET('/me');
    expect(me.response.status).toBe(200);
    expect(counting.flows).toHaveLength(2);
  });
});
