/**
 * Synthesizes the app the way `cdk synth` does (`cdk.json`'s context, `buildUserFilesApp`, the
 * AwsSolutions checks registered) into a temporary cloud assembly, and hands tests the template.
 * The default synthesis is memoized per process: each one bundles the function with esbuild.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { buildUserFilesApp } from '../../lib/user-files-app';
import type { UserFilesStack } from '../../lib/user-files-stack';

export const PROJECT_ROOT = join(import.meta.dirname, '..', '..');

export interface Synthesized {
  readonly app: App;
  readonly stack: UserFilesStack;
  readonly template: Template;
  /** The cloud assembly directory (`cdk.out` equivalent), removed when the process exits. */
  readonly outdir: string;
  readonly templatePath: string;
}

export interface SynthOptions {
  /** Context on top of `cdk.json`'s, as `-c key=value` would give it. */
  readonly context?: Record<string, unknown>;
  /**
   * Bundle the function with esbuild. Off, CDK stages a placeholder asset, which is enough for
   * tests that do not look at the code.
   * @default true
   */
  readonly bundle?: boolean;
}

export function cdkJsonContext(): Record<string, unknown> {
  const cdkJson = JSON.parse(readFileSync(join(PROJECT_ROOT, 'cdk.json'), 'utf8')) as {
    context?: Record<string, unknown>;
  };
  return cdkJson.context ?? {};
}

const outdirs: string[] = [];
process.once('exit', () => {
  for (const dir of outdirs) rmSync(dir, { recursive: true, force: true });
});

/**
 * A fresh synthesis. Throws like `cdk synth` when a validation plugin (cdk-nag) reports a finding
 * that is not acknowledged: the in-memory app mode puts the whole report in the error.
 */
export function synthesize(options: SynthOptions = {}): Synthesized {
  const outdir = mkdtempSync(join(tmpdir(), 'user-files-infra-'));
  outdirs.push(outdir);
  const app = new App({
    outdir,
    context: {
      ...cdkJsonContext(),
      '@aws-cdk/core:appMode': 'inmemory',
      ...(options.bundle === false ? { 'aws:cdk:bundling-stacks': [] } : {}),
      ...options.context,
    },
  });
  const stack = buildUserFilesApp(app);
  const assembly = app.synth();
  const template = Template.fromStack(stack);
  return {
    app,
    stack,
    template,
    outdir,
    templatePath: assembly.getStackArtifact(stack.artifactId).templateFullPath,
  };
}

let memo: Synthesized | undefined;

/** The default app (context from `cdk.json` only, function bundled), synthesized once per process. */
export function synthesized(): Synthesized {
  memo ??= synthesize();
  return memo;
}
