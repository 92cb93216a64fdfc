/**
 * `DELETE /me/data` against the whole local stack: one fresh user with `objects` objects spread over
 * every level and their outgoing shares (written straight to storage with the user's own identity
 * credentials, concurrently), then the API called until it answers 204. The figure is objects
 * deleted per second of those calls, each 202 and the final 204 included. Run in its own process
 * (`runDeleteAll`): a process can serve only one local stack.
 */
import {
  CognitoIdentityClient,
  GetCredentialsForIdentityCommand,
  GetIdCommand,
} from '@aws-sdk/client-cognito-identity';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { startLocalStack } from '../local/stack/local-stack';
import { runChild } from './child';
import { createUsers, signIn } from './users';

export interface DeleteAllFigures {
  readonly objects: number;
  readonly seconds: number;
  readonly calls: number;
  readonly objectsPerSecond: number;
}

async function identityClient(outputs: { Region: string; CognitoIdentityEndpoint: string }) {
  return new CognitoIdentityClient({ region: outputs.Region, endpoint: outputs.CognitoIdentityEndpoint });
}

export async function measureDeleteAll(objects: number): Promise<DeleteAllFigures> {
  // Direct mode: the objects are written straight to storage with the user's own credentials.
  const stack = await startLocalStack({ quiet: true, accessMode: 'direct' });
  try {
    const { outputs } = stack;
    const [user] = await signIn(outputs, await createUsers(stack, 1, 'bench-eraser'));
    if (!user) throw new Error('a user expected');
    const logins = { [`cognito-idp.${outputs.Region}.amazonaws.com/${outputs.UserPoolId}`]: user.idToken };
    const cognito = await identityClient(outputs);
    const { IdentityId } = await cognito.send(
      new GetIdCommand({ IdentityPoolId: outputs.IdentityPoolId, Logins: logins }),
    );
    const { Credentials } = await cognito.send(
      new GetCredentialsForIdentityCommand({ IdentityId, Logins: logins }),
    );
    cognito.destroy();
    if (!IdentityId || !Credentials?.AccessKeyId || !Credentials.SecretKey) throw new Error('no credentials');
    const s3 = new S3Client({
      region: outputs.Region,
      endpoint: outputs.S3Endpoint,
      forcePathStyle: true,
      credentials: {
        accessKeyId: Credentials.AccessKeyId,
        secretAccessKey: Credentials.SecretKey,
        sessionToken: Credentials.SessionToken,
      },
    });
    const folders = [
      `private/${IdentityId}/`,
      `protected/${IdentityId}/`,
      `public/${IdentityId}/`,
      `shared/${IdentityId}/us-east-1:00000000-0000-4000-8000-000000000000/`,
    ];
    let next = 0;
    await Promise.all(
      Array.from({ length: 32 }, async () => {
        for (let i = next++; i < objects; i = next++) {
          const Key = `${folders[i % folders.length]}bench/${i}.txt`;
          await s3.send(new PutObjectCommand({ Bucket: outputs.BucketName, Key, Body: 'x' }));
        }
      }),
    );
    s3.destroy();

    const url = new URL('me/data', outputs.ApiUrl).href;
    const started = performance.now();
    let calls = 0;
    for (;;) {
      calls += 1;
      const response = await fetch(url, { method: 'DELETE', headers: { Authorization: user.idToken } });
      await response.arrayBuffer();
      if (response.status === 204) break;
      if (response.status !== 202) throw new Error(`DELETE /me/data answered ${response.status}`);
      if (calls > objects) throw new Error('DELETE /me/data never finished');
    }
    const seconds = (performance.now() - started) / 1000;
    return { objects, seconds, calls, objectsPerSecond: objects / seconds };
  } finally {
    await stack.stop();
  }
}

/** Runs this module in a second process and returns its figures. */
export function runDeleteAll(objects: number): Promise<DeleteAllFigures> {
  return runChild<DeleteAllFigures>({
    script: 'bench/delete-all.ts',
    env: { BENCH_DELETE_ALL: JSON.stringify({ objects }) },
    timeoutMs: 600_000,
  });
}

// As the child: the job from the environment, the figures as JSON on the last line.
const job = process.env.BENCH_DELETE_ALL;
if (job !== undefined) {
  const { objects } = JSON.parse(job) as { objects: number };
  console.log(JSON.stringify(await measureDeleteAll(objects)));
}
