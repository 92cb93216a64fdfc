/**
 * Mutation proof: the isolation tests can fail. A second local stack is built exactly like the real
 * one except that the authenticated role's policy uses `*` where the identity variable belongs
 * (`buildAuthenticatedRolePolicy({ identityVariable: '*' })`). The very probes that are all
 * AccessDenied on the real stack (sharing.test.ts) then succeed: alice reads bob's private file by
 * URL, lists his private folder, overwrites and deletes his files.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalStack, startLocalStack } from '../../local/stack/local-stack';
import { ALL_DENIED, probeCrossUser, seedVictim } from './support/isolation';
import { apiFor, deleteAllUnder, identityCredentials, signInTokens } from './support/session';
import { runPrefix } from './support/storage';
import { type E2eTarget, e2eTarget, targetOf } from './support/target';

let mutated: LocalStack;

/** Signs both users in, has bob store one file per level, and probes bob's folders as alice. */
async function probe(target: E2eTarget) {
  const [aliceTokens, bobTokens] = await Promise.all(target.users.map((user) => signInTokens(target, user)));
  if (!aliceTokens || !bobTokens) throw new Error('two users expected');
  const [alice, bob] = await Promise.all([
    identityCredentials(target, aliceTokens.idToken),
    identityCredentials(target, bobTokens.idToken),
  ]);
  const folder = runPrefix('mutation');
  const victim = await seedVictim(target, bob, folder);
  const probes = await probeCrossUser(target, alice, victim);
  // The real target outlives this file: leave bob's folders as they were.
  if (target.apiUrl) await deleteAllUnder(apiFor(target, bobTokens.idToken), folder);
  return { victim, probes };
}

beforeAll(async () => {
  // Storage only: the probes use each identity's own credentials, as any S3 client would.
  mutated = await startLocalStack({ quiet: true, api: false, policyIdentityVariable: '*' });
});

afterAll(async () => {
  await mutated?.stop();
});

describe('with the identity variable replaced by * in the role policy', () => {
  it('the cross-user probes that the real stack denies all succeed', async () => {
    const real = await probe(e2eTarget());
    expect(real.probes).toEqual(ALL_DENIED);

    const broken = await probe(targetOf(mutated));
    expect(broken.probes).toEqual({
      readPrivate: 'allowed',
      readPrivateByPresignedUrl: 'allowed',
      leakedBody: broken.victim.privateBody,
      listPrivateFolder: 'allowed',
      overwritePublic: 'allowed',
      deleteProtected: 'allowed',
      writeIntoPrivateFolder: 'allowed',
    });
    // So the isolation assertion itself fails against this policy:
    expect(() => expect(broken.probes).toEqual(ALL_DENIED)).toThrow();
  });
});
