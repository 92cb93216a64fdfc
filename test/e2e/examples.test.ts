/**
 * The code samples of docs/api.md (docs/examples/*.ts, embedded verbatim; test/unit/readme-examples.test.ts
 * checks that) run as written: sign in, refresh, upload and download through the API.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { idTokenSource, refresh, signIn } from '../../docs/examples/sign-in';
import { uploadAndShare } from '../../docs/examples/upload';
import { createFilesClient } from '../../shared/api/client';
import { randomBody, runPrefix } from './support/storage';
import { e2eTarget } from './support/target';

const target = e2eTarget();
const [user] = target.users;
const config = {
  region: target.region,
  userPoolClientId: target.userPoolClientId,
  ...(target.endpoints.cognitoIdp ? { endpoint: target.endpoints.cognitoIdp } : {}),
};
const key = `${runPrefix('examples')}hello.bin`;
let cleanup: (() => Promise<unknown>) | undefined;

afterAll(async () => {
  await cleanup?.();
});

describe('docs/api.md examples', () => {
  it('signs in with a password and refreshes the ID token with the refresh token', async () => {
    const session = await signIn(config, user.username, user.password);
    expect(
      JSON.parse(Buffer.from(session.idToken.split('.')[1] ?? '', 'base64url').toString()),
    ).toMatchObject({
      token_use: 'id',
      aud: target.userPoolClientId,
    });
    expect(session.expiresAt).toBeGreaterThan(Date.now());
    const renewed = await refresh(config, session);
    expect(renewed.idToken).toMatch(/^ey/);
    expect(renewed.refreshToken).toBe(session.refreshToken);
    await expect(signIn(config, user.username, `${user.password}-wrong`)).rejects.toThrow();
  });

  it('uploads, then downloads the same bytes through the URL it returns', async () => {
    const session = await signIn(config, user.username, user.password);
    const getIdToken = idTokenSource(config, session);
    cleanup = () =>
      createFilesClient({ baseUrl: target.apiUrl, getIdToken }).DELETE('/files', {
        params: { query: { level: 'private', key } },
      });
    const bytes = randomBody(321);
    const url = await uploadAndShare(target.apiUrl, getIdToken, key, bytes);
    const downloaded = await fetch(url);
    expect(downloaded.status).toBe(200);
    expect(new Uint8Array(await downloaded.arrayBuffer())).toEqual(bytes);
  });

  it("reports a refused upload with the API's detail instead of failing on undefined data", async () => {
    const session = await signIn(config, user.username, user.password);
    await expect(
      uploadAndShare(target.apiUrl, idTokenSource(config, session), '../escape', randomBody(1)),
    ).rejects.toThrow(/upload refused: key: /);
  });
});
