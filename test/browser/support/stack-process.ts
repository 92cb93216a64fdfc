/**
 * The browser project's local stack and console server, in a process of their own: vitest runs
 * every project's global setup in one process, the handler reads its endpoints and keys from
 * `process.env` (as in Lambda), and the e2e project's stack already lives there. Talks to its parent
 * over IPC: `ready` with the target (or `failed`), then stops everything on `stop` or when the
 * parent goes away.
 */
import { join } from 'node:path';
import { type ConsoleServer, startConsoleServer } from '../../../local/console/server';
import { type LocalStack, startLocalStack } from '../../../local/stack/local-stack';
import type { ConsoleTarget } from './target';

export type StackMessage =
  | { readonly type: 'ready'; readonly target: ConsoleTarget }
  | { readonly type: 'failed'; readonly message: string };

const workDir = process.env.CONSOLE_WORK_DIR;
let consoleServer: ConsoleServer | undefined;
let stack: LocalStack | undefined;
let stopping: Promise<void> | undefined;

function stop(): Promise<void> {
  stopping ??= (async () => {
    await consoleServer?.close().catch(() => undefined);
    await stack?.stop().catch(() => undefined);
    process.exit(0);
  })();
  return stopping;
}

function tell(message: StackMessage): void {
  process.send?.(message);
}

process.on('message', (message) => {
  if (message === 'stop') void stop();
});
process.on('disconnect', () => void stop());

async function main(): Promise<void> {
  if (!workDir) throw new Error('CONSOLE_WORK_DIR is not set');
  consoleServer = await startConsoleServer({ outDir: join(workDir, 'build') });
  stack = await startLocalStack({ quiet: true, allowedOrigins: [consoleServer.origin] });
  await consoleServer.serve(stack.outputs);
  const { outputs } = stack;
  tell({
    type: 'ready',
    target: {
      consoleUrl: consoleServer.url,
      consolePort: consoleServer.port,
      apiUrl: outputs.ApiUrl,
      s3Endpoint: outputs.S3Endpoint,
      userPool: { endpoint: outputs.CognitoIdpEndpoint, clientId: outputs.UserPoolClientId },
      users: outputs.DemoUsers.map(({ username, password }) => ({ username, password })),
      demoGroup: outputs.DemoGroup,
      admin: {
        region: outputs.Region,
        userPoolId: outputs.UserPoolId,
        credentials: {
          accessKeyId: stack.adminCredentials.accessKeyId,
          secretAccessKey: stack.adminCredentials.secretAccessKey,
        },
      },
    },
  });
}

main().catch(async (error: unknown) => {
  tell({ type: 'failed', message: error instanceof Error ? (error.stack ?? error.message) : String(error) });
  await stop();
});
