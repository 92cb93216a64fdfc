/**
 * Large uploads against the local stack, in their own process (a process serves one local stack):
 *   - `multipart_mib_s`: a file through `shared/api/upload.ts` (8 MiB parts, 4 in parallel, each
 *     SHA-256-checksummed), API calls included;
 *   - `sdk_upload_mib_s`: the same file with `@aws-sdk/lib-storage`'s `Upload`, same part size,
 *     concurrency and checksum, with the user's own identity credentials, through the same gateway;
 *   - `resume_waste_ratio`: bytes sent in total / file size, for a run killed (SIGKILL) at 50 %
 *     and resumed by a new process from its file store.
 * After an uncounted warm-up of each, rounds alternate the two uploaders; medians are reported.
 * Prints one JSON object.
 */
import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CognitoIdentityClient,
  GetCredentialsForIdentityCommand,
  GetIdCommand,
} from '@aws-sdk/client-cognito-identity';
import { S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { startLocalStack } from '../local/stack/local-stack';
import { createFilesClient } from '../shared/api/client';
import { upload } from '../shared/api/upload';
import { fileSource } from '../shared/api/upload-node';
import { startUploadChild, type UploadJob, uploadChildLines } from '../test/support/upload-process';
import { summarize } from './stats';
import { signIn } from './users';

const MIB = 1024 * 1024;
const PART = 8 * MIB;
const CONCURRENCY = 4;

const job = JSON.parse(process.env.BENCH_MULTIPART ?? '{}') as { mib?: number; rounds?: number };
const mib = job.mib ?? 256;
const rounds = job.rounds ?? 3;
const size = mib * MIB;
const log = (message: string) => process.stderr.write(`bench: multipart: ${message}\n`);

// Direct mode: the SDK comparison needs the user's own credentials, which sealed mode never hands out
// (the helper's figures are the same in both modes: every byte goes through URLs the API signs).
const stack = await startLocalStack({
  quiet: true,
  accessMode: 'direct',
  uploadRules: JSON.stringify({ private: { maxUploadBytes: 2 * 1024 * MIB } }),
});
const dir = await mkdtemp(join(tmpdir(), 'bench-multipart-'));
try {
  const { outputs } = stack;
  const [user] = await signIn(outputs, outputs.DemoUsers);
  if (!user) throw new Error('a demo user expected');
  const api = createFilesClient({ baseUrl: outputs.ApiUrl, getIdToken: () => user.idToken });
  const path = join(dir, 'file.bin');
  await writeFile(path, randomBytes(size));

  // The user's own identity credentials, as an app using the SDK directly would hold them.
  const cognito = new CognitoIdentityClient({
    region: outputs.Region,
    endpoint: outputs.CognitoIdentityEndpoint,
  });
  const logins = { [`cognito-idp.${outputs.Region}.amazonaws.com/${outputs.UserPoolId}`]: user.idToken };
  const { IdentityId } = await cognito.send(
    new GetIdCommand({ IdentityPoolId: outputs.IdentityPoolId, Logins: logins }),
  );
  const { Credentials } = await cognito.send(
    new GetCredentialsForIdentityCommand({ IdentityId, Logins: logins }),
  );
  cognito.destroy();
  const s3 = new S3Client({
    region: outputs.Region,
    endpoint: outputs.S3Endpoint,
    forcePathStyle: true,
    credentials: {
      accessKeyId: Credentials?.AccessKeyId ?? '',
      secretAccessKey: Credentials?.SecretKey ?? '',
      sessionToken: Credentials?.SessionToken ?? '',
    },
  });

  const remove = async (key: string) => {
    await api.DELETE('/files', { params: { query: { level: 'private', key } } });
  };
  const timed = async (run: () => Promise<unknown>) => {
    const started = performance.now();
    await run();
    return size / MIB / ((performance.now() - started) / 1000);
  };
  // Warm-up, not counted: JIT, the API's identity and credential caches, the SDK client's setup.
  const warmBody = new Uint8Array(17 * MIB);
  await upload({
    client: api,
    level: 'private',
    key: 'bench/multipart/warm.bin',
    contentType: 'application/octet-stream',
    body: warmBody,
  });
  await new Upload({
    client: s3,
    params: {
      Bucket: outputs.BucketName,
      Key: `private/${IdentityId}/bench/multipart/warm.bin`,
      Body: warmBody,
      ChecksumAlgorithm: 'SHA256',
    },
    partSize: PART,
    queueSize: CONCURRENCY,
  }).done();
  await remove('bench/multipart/warm.bin');

  const helperRuns: number[] = [];
  const sdkRuns: number[] = [];
  for (let round = 0; round < rounds; round++) {
    const helperKey = `bench/multipart/helper-${round}.bin`;
    helperRuns.push(
      await timed(async () =>
        upload({
          client: api,
          level: 'private',
          key: helperKey,
          contentType: 'application/octet-stream',
          body: await fileSource(path),
          concurrency: CONCURRENCY,
        }),
      ),
    );
    await remove(helperKey);
    const sdkKey = `bench/multipart/sdk-${round}.bin`;
    sdkRuns.push(
      await timed(() =>
        new Upload({
          client: s3,
          params: {
            Bucket: outputs.BucketName,
            Key: `private/${IdentityId}/${sdkKey}`,
            Body: createReadStream(path, { highWaterMark: 1024 * 1024 }),
            ContentType: 'application/octet-stream',
            ChecksumAlgorithm: 'SHA256',
          },
          partSize: PART,
          queueSize: CONCURRENCY,
        }).done(),
      ),
    );
    await remove(sdkKey);
    log(
      `round ${round + 1}/${rounds}: helper ${helperRuns.at(-1)?.toFixed(0)} MiB/s, sdk ${sdkRuns.at(-1)?.toFixed(0)} MiB/s`,
    );
  }
  s3.destroy();

  // Killed at 50 %, resumed by a new process.
  const resumeJob: UploadJob = {
    apiUrl: outputs.ApiUrl,
    idToken: user.idToken,
    path,
    storeDir: join(dir, 'store'),
    key: 'bench/multipart/resumed.bin',
    concurrency: CONCURRENCY,
  };
  const killed = await uploadInChild(resumeJob, size / 2);
  const resumed = await uploadInChild(resumeJob);
  if (resumed.resumedParts === undefined) throw new Error('the resumed upload did not finish');
  await remove('bench/multipart/resumed.bin');

  const helper = summarize(helperRuns).median;
  const sdk = summarize(sdkRuns).median;
  process.stdout.write(
    `${JSON.stringify({
      multipart_mib_s: helper,
      sdk_upload_mib_s: sdk,
      multipart_vs_sdk_ratio: helper / sdk,
      resume_waste_ratio: (killed.sent + resumed.sent) / size,
      resume_killed_sent_mib: killed.sent / MIB,
      resume_resumed_parts: resumed.resumedParts,
      multipart_mib: mib,
      multipart_rounds: rounds,
    })}\n`,
  );
} finally {
  await rm(dir, { recursive: true, force: true });
  await stack.stop();
}

/** One upload in its own process, SIGKILLed once `killAtBytes` are in storage if given. */
async function uploadInChild(
  job: UploadJob,
  killAtBytes?: number,
): Promise<{ sent: number; resumedParts?: number }> {
  const child = startUploadChild(job);
  let sent = 0;
  let resumedParts: number | undefined;
  for await (const line of uploadChildLines(child)) {
    if (line.kind === 'sending') sent = line.bytes;
    else if (line.kind === 'result') resumedParts = line.result.resumedParts;
    else if (killAtBytes !== undefined && line.bytes >= killAtBytes) child.kill('SIGKILL');
  }
  return resumedParts === undefined ? { sent } : { sent, resumedParts };
}
