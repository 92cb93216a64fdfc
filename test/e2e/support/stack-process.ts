/**
 * A local stack in a process of its own, for a second e2e project: the handler is loaded once per
 * process (see `loadHandler` in local/stack/local-stack.ts), so a stack in another access mode cannot
 * share the first one's. Started by `global-setup-direct.ts`: prints one `READY <json>` line (the
 * target), stops everything on SIGTERM or when its parent goes away.
 */
import { type AccessMode, startLocalStack } from '../../../local/stack/local-stack';
import { targetOf } from './target';

const mode = process.argv[2] as AccessMode;
const stack = await startLocalStack({ quiet: true, accessMode: mode });
let stopping = false;
const stop = () => {
  if (stopping) return;
  stopping = true;
  stack.stop().then(
    () => process.exit(0),
    () => process.exit(1),
  );
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
// The parent closes our stdin when it exits, however it exits.
process.stdin.on('end', stop);
process.stdin.resume();
process.stdout.write(`READY ${JSON.stringify(targetOf(stack))}\n`);
