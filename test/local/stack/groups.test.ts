/**
 * Team folders on a started local stack, end to end below the API: a session minted as the function
 * mints it (`GetOpenIdTokenForDeveloperIdentity` signed by its keys, with `PrincipalTags`, then STS
 * on the authenticated role, whose trust allows `sts:TagSession`) reads, writes, deletes and lists
 * its group's folder in S3 and nothing of another group's, nor `groups/` itself. A session without
 * tags reaches no group, not even a key spelling the policy variable. The bootstrap's demo group
 * holds both demo users, whose ID tokens say so.
 */
import {
  CognitoIdentityClient,
  GetOpenIdTokenForDeveloperIdentityCommand,
} from '@aws-sdk/client-cognito-identity';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { AssumeRoleWithWebIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalStack, startLocalStack } from '../../../local/stack/local-stack';
import { localAppClient, signInWithPassword } from '../../support/sign-in';
import { decodeJwtPart } from '../support';

let stack: LocalStack;
const clients: { destroy(): void }[] = [];
let design: S3Client;
let untagged: S3Client;
let untaggedId: string;
let ops: S3Client;

/** Storage credentials as the function gets them for a user, with these principal tags. */
async function sessionWith(
  user: string,
  PrincipalTags?: Record<string, string>,
): Promise<{ s3: S3Client; identityId: string }> {
  const { outputs } = stack;
  const cognito = new CognitoIdentityClient({
    region: outputs.Region,
    endpoint: outputs.CognitoIdentityEndpoint,
    credentials: stack.functionCredentials,
  });
  const sts = new STSClient({ region: outputs.Region, endpoint: outputs.StsEndpoint });
  clients.push(cognito, sts);
  const { Token, IdentityId } = await cognito.send(
    new GetOpenIdTokenForDeveloperIdentityCommand({
      IdentityPoolId: outputs.IdentityPoolId,
      Logins: { [stack.developerProviderName ?? '']: `${outputs.UserPoolId}:${user}` },
      ...(PrincipalTags ? { PrincipalTags } : {}),
    }),
  );
  const { Credentials } = await sts.send(
    new AssumeRoleWithWebIdentityCommand({
      RoleArn: stack.authenticatedRoleArn,
      RoleSessionName: user,
      WebIdentityToken: Token,
    }),
  );
  const s3 = new S3Client({
    region: outputs.Region,
    endpoint: outputs.S3Endpoint,
    forcePathStyle: true,
    maxAttempts: 1,
    credentials: {
      accessKeyId: Credentials?.AccessKeyId ?? '',
      secretAccessKey: Credentials?.SecretAccessKey ?? '',
      sessionToken: Credentials?.SessionToken ?? '',
    },
  });
  clients.push(s3);
  return { s3, identityId: IdentityId ?? '' };
}

const bucket = () => stack.outputs.BucketName;
const put = (s3: S3Client, Key: string) =>
  s3.send(new PutObjectCommand({ Bucket: bucket(), Key, Body: 'team notes', ContentType: 'text/plain' }));
const get = async (s3: S3Client, Key: string) =>
  (await s3.send(new GetObjectCommand({ Bucket: bucket(), Key }))).Body?.transformToString();
const list = async (s3: S3Client, Prefix: string) =>
  (await s3.send(new ListObjectsV2Command({ Bucket: bucket(), Prefix }))).Contents?.map((item) => item.Key) ??
  [];
const remove = (s3: S3Client, Key: string) => s3.send(new DeleteObjectCommand({ Bucket: bucket(), Key }));

const ACCESS_DENIED = { name: 'AccessDenied', $metadata: { httpStatusCode: 403 } };

beforeAll(async () => {
  stack = await startLocalStack({ quiet: true, api: false });
  design = (await sessionWith('designer', { group0: 'design' })).s3;
  ({ s3: untagged, identityId: untaggedId } = await sessionWith('loner'));
  ops = (await sessionWith('operator', { group0: 'ops' })).s3;
  // Each folder holds a file of its own group's, for the others to fail to reach.
  await put(design, 'groups/design/plan.txt');
  await put(ops, 'groups/ops/runbook.txt');
});

afterAll(async () => {
  for (const client of clients) client.destroy();
  await stack?.stop();
});

describe("a session tagged group0 'design'", () => {
  it('puts, gets, lists and deletes in groups/design/', async () => {
    await put(design, 'groups/design/drafts/sketch.txt');
    expect(await get(design, 'groups/design/drafts/sketch.txt')).toBe('team notes');
    expect(await list(design, 'groups/design/')).toEqual([
      'groups/design/drafts/sketch.txt',
      'groups/design/plan.txt',
    ]);
    await remove(design, 'groups/design/drafts/sketch.txt');
    expect(await list(design, 'groups/design/')).toEqual(['groups/design/plan.txt']);
  });

  it('is refused in groups/ops/: get, put, delete and list', async () => {
    await expect(get(design, 'groups/ops/runbook.txt')).rejects.toMatchObject(ACCESS_DENIED);
    await expect(put(design, 'groups/ops/intrusion.txt')).rejects.toMatchObject(ACCESS_DENIED);
    await expect(remove(design, 'groups/ops/runbook.txt')).rejects.toMatchObject(ACCESS_DENIED);
    await expect(list(design, 'groups/ops/')).rejects.toMatchObject(ACCESS_DENIED);
  });

  it('is refused listing groups/ and a partial group name', async () => {
    await expect(list(design, 'groups/')).rejects.toMatchObject(ACCESS_DENIED);
    await expect(list(design, 'groups/des')).rejects.toMatchObject(ACCESS_DENIED);
  });
});

describe('a session without tags reaches no group', () => {
  it('is refused in groups/design/: get, put, list', async () => {
    await expect(get(untagged, 'groups/design/plan.txt')).rejects.toMatchObject(ACCESS_DENIED);
    await expect(put(untagged, 'groups/design/mine.txt')).rejects.toMatchObject(ACCESS_DENIED);
    await expect(list(untagged, 'groups/design/')).rejects.toMatchObject(ACCESS_DENIED);
  });

  it('an unresolved slot matches nothing: not an empty group, nor the variable spelled out', async () => {
    await expect(put(untagged, 'groups//x.txt')).rejects.toMatchObject(ACCESS_DENIED);
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the policy variable as a literal key.
    await expect(put(untagged, 'groups/${aws:PrincipalTag/group0}/x.txt')).rejects.toMatchObject(
      ACCESS_DENIED,
    );
    await expect(list(untagged, 'groups//')).rejects.toMatchObject(ACCESS_DENIED);
  });

  it('still has its own folder: the refusals are about groups only', async () => {
    await put(untagged, `private/${untaggedId}/mine.txt`);
    expect(await list(untagged, `private/${untaggedId}/`)).toEqual([`private/${untaggedId}/mine.txt`]);
  });
});

describe("a session tagged group0 'ops'", () => {
  it('is refused in groups/design/, and works in its own', async () => {
    await expect(get(ops, 'groups/design/plan.txt')).rejects.toMatchObject(ACCESS_DENIED);
    await expect(put(ops, 'groups/design/plan.txt')).rejects.toMatchObject(ACCESS_DENIED);
    await expect(list(ops, 'groups/design/')).rejects.toMatchObject(ACCESS_DENIED);
    expect(await get(ops, 'groups/ops/runbook.txt')).toBe('team notes');
  });
});

describe('any slot carries a group', () => {
  it("a session tagged group9 'design' reaches the design folder", async () => {
    const { s3: lastSlot } = await sessionWith('ninth', { group0: 'ops', group9: 'design' });
    expect(await get(lastSlot, 'groups/design/plan.txt')).toBe('team notes');
    expect(await get(lastSlot, 'groups/ops/runbook.txt')).toBe('team notes');
  });
});

describe('the demo group', () => {
  it('is an output, and both demo users are in it: their ID tokens carry it', async () => {
    expect(stack.outputs.DemoGroup).toBe('demo-team');
    for (const user of stack.outputs.DemoUsers) {
      const { idToken } = await signInWithPassword(localAppClient(stack.outputs), user);
      expect(decodeJwtPart(idToken, 1)['cognito:groups']).toEqual(['demo-team']);
    }
  });
});
