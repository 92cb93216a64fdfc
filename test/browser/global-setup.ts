/**
 * One local stack and one console server for the whole browser project, stopped afterwards. The
 * console is built into a fresh directory (never `.local/console`, which a running `npm start`
 * serves) and listens on a free port; the stack's CORS allows exactly its origin.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { startConsoleServer } from '../../local/console-server';
import { type LocalStack, startLocalStack } from '../../local/local-stack';
import type { ConsoleTarget } from './support/target';

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const workDir = await mkdtemp(join(tmpdir(), 'user-files-console-'));
  // A file beside the build, which no request path may reach (console-server.test.ts).
  await writeFile(join(workDir, 'outside.txt'), 'not part of the console\n');
  const consoleServer = await startConsoleServer({ outDir: join(workDir, 'build') });
  let stack: LocalStack | undefined;
  const stop = async () => {
    await consoleServer.close();
    await stack?.stop();
    await rm(workDir, { recursive: true, force: true });
  };
  try {
    stack = await startLocalStack({ quiet: true, allowedOrigins: [consoleServer.origin] });
    await consoleServer.serve(stack.outputs);
  } catch (error) {
    await stop();
    throw error;
  }
  const { outputs } = stack;
  const target: ConsoleTarget = {
    consoleUrl: consoleServer.url,
    consolePort: consoleServer.port,
    apiUrl: outputs.ApiUrl,
    s3Endpoint: outputs.S3Endpoint,
    userPool: { endpoint: outputs.CognitoIdpEndpoint, clientId: outputs.UserPoolClientId },
    users: outputs.DemoUsers.map(({ username, password }) => ({ username, password })),
  };
  project.provide('consoleTarget', target);
  return stop;
}
