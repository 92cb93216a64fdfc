/**
 * Starts ONE local stack (free loopback ports) for the whole e2e project and stops it afterwards,
 * or, with `E2E_OUTPUTS=path/to/outputs.json` and `E2E_USERS=user:password,user:password`, points
 * the suite at that (deployed) stack instead. This project's stack is sealed, the default access
 * mode; `global-setup-direct.ts` runs the suite against a direct-mode one.
 */
import type { TestProject } from 'vitest/node';
import { startLocalStack } from '../../local/stack/local-stack';
import { targetFromOutputsFile, targetOf } from './support/target';

export default async function setup(project: TestProject): Promise<(() => Promise<void>) | undefined> {
  const outputsFile = process.env.E2E_OUTPUTS;
  if (outputsFile) {
    project.provide('e2eTarget', targetFromOutputsFile(outputsFile, process.env.E2E_USERS));
    return undefined;
  }
  const stack = await startLocalStack({ quiet: true, accessMode: 'sealed' });
  const target = targetOf(stack);
  project.provide('e2eTarget', target);
  return () => stack.stop();
}
