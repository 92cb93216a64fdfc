import { defineConfig } from 'vitest/config';

const isolateAwsEnv = 'test/support/isolate-aws-env.ts';

export default defineConfig({
  test: {
    // Unit tests must never reach the network; infra and e2e suites start what they need on loopback.
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          environment: 'node',
          setupFiles: [isolateAwsEnv],
        },
      },
      {
        test: { name: 'policy', include: ['test/policy/**/*.test.ts'], environment: 'node' },
      },
      {
        test: {
          name: 'infra',
          include: ['test/infra/**/*.test.ts'],
          environment: 'node',
          // One worker, modules shared between files: the stack is synthesized (and the function
          // bundled) once for the whole suite, not once per file (test/support/synth.ts memoizes it).
          pool: 'forks',
          isolate: false,
          fileParallelism: false,
          testTimeout: 120_000,
          hookTimeout: 180_000,
        },
      },
      {
        test: {
          // The local identity service and S3 gateway against a real moto_server, each file its own.
          name: 'local',
          include: ['test/local/**/*.test.ts'],
          environment: 'node',
          testTimeout: 30_000,
          hookTimeout: 60_000,
        },
      },
      {
        test: {
          // One local stack for the whole project (or a deployed one, given E2E_OUTPUTS and E2E_USERS),
          // in the default access mode, sealed.
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          exclude: ['test/e2e/direct-*.test.ts'],
          environment: 'node',
          globalSetup: ['test/e2e/global-setup.ts'],
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
      {
        test: {
          // The same suite against a direct-mode stack. Files that start stacks of their own for a
          // mutation proof, or probe only what sealing adds, run once, in the sealed project.
          name: 'e2e-direct',
          include: ['test/e2e/**/*.test.ts'],
          exclude: ['test/e2e/mutation.test.ts', 'test/e2e/sealed-*.test.ts'],
          environment: 'node',
          globalSetup: ['test/e2e/global-setup-direct.ts'],
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
      {
        test: {
          // The web console in Debian's Chromium (playwright-core) against one local stack and one
          // console server, both started by the project's global setup.
          name: 'browser',
          include: ['test/browser/**/*.test.ts'],
          environment: 'node',
          globalSetup: ['test/browser/global-setup.ts'],
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
      {
        test: {
          // Faults through the real SDK clients against a fake AWS on loopback, and property-based
          // hostile input against the handler over mocked clients. Quick: no moto, no stack.
          name: 'hardening',
          include: ['test/hardening/**/*.test.ts'],
          environment: 'node',
          setupFiles: [isolateAwsEnv],
          testTimeout: 30_000,
          hookTimeout: 10_000,
        },
      },
    ],
  },
});
