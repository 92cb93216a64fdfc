/**
 * Mutation proof for sealed mode: the function may mint a token for ANY developer identifier, so
 * isolation rests on the identifier being built from the caller's verified claims. The function's
 * identity adapter is run twice against the sealed stack: as it is, and with its Cognito client
 * rewriting every developer login to one constant (an identifier that ignores the caller). The
 * same cross-user probes that are all denied with the real identifier then succeed.
 */
import { CognitoIdentityClient } from '@aws-sdk/client-cognito-identity';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALL_DENIED, probeCrossUser, seedVictim } from './support/isolation';
import { apiFor, deleteAllUnder, identityCredentials, signInTokens } from './support/session';
import { runPrefix } from './support/storage';
import { e2eTarget } from './support/target';

const target = e2eTarget();
let constantIdentifier: CognitoIdentityClient;
let tokens: { alice: string; bob: string };

beforeAll(async () => {
  if (!target.functionSide)
    throw new Error("this file needs a local sealed stack (the function's credentials)");
  constantIdentifier = new CognitoIdentityClient({
    region: target.region,
    endpoint: target.endpoints.cognitoIdentity,
    credentials: target.functionSide.credentials,
  });
  constantIdentifier.middlewareStack.add(
    (next) => async (args) => {
      const input = args.input as { Logins?: Record<string, string> };
      if (input.Logins) {
        input.Logins = Object.fromEntries(Object.keys(input.Logins).map((name) => [name, 'constant']));
      }
      return next(args);
    },
    { step: 'initialize', name: 'constantDeveloperIdentifier' },
  );
  const [alice, bob] = await Promise.all(target.users.map((user) => signInTokens(target, user)));
  if (!alice || !bob) throw new Error('two users expected');
  tokens = { alice: alice.idToken, bob: bob.idToken };
});

afterAll(() => {
  constantIdentifier?.destroy();
});

async function probe(cognito?: CognitoIdentityClient) {
  const [alice, bob] = await Promise.all([
    identityCredentials(target, tokens.alice, cognito),
    identityCredentials(target, tokens.bob, cognito),
  ]);
  const folder = runPrefix('sealed-mutation');
  const victim = await seedVictim(target, bob, folder);
  const probes = await probeCrossUser(target, alice, victim);
  // The stack outlives this file: leave bob's real folders as they were.
  if (!cognito) await deleteAllUnder(apiFor(target, tokens.bob), folder);
  return { alice, bob, victim, probes };
}

describe('with a developer identifier that ignores the caller', () => {
  it('the cross-user probes that the real identifier denies succeed', async () => {
    const real = await probe();
    expect(real.alice.identityId).not.toBe(real.bob.identityId);
    expect(real.probes).toEqual(ALL_DENIED);

    const broken = await probe(constantIdentifier);
    // Every caller became one identity, so "bob's" files are alice's to read and overwrite.
    expect(broken.alice.identityId).toBe(broken.bob.identityId);
    expect(broken.probes).toMatchObject({
      readPrivate: 'allowed',
      readPrivateByPresignedUrl: 'allowed',
      leakedBody: broken.victim.privateBody,
      listPrivateFolder: 'allowed',
      overwritePublic: 'allowed',
      deleteProtected: 'allowed',
    });
    // So the isolation assertion itself fails against this identifier:
    expect(() => expect(broken.probes).toEqual(ALL_DENIED)).toThrow();
  });
});
