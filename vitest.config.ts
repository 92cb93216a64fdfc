import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // Unit tests must never reach the network; infra and e2e suites start what they need on loopback.
    projects: [
      {
        test: { name: 'unit', include: ['test/unit/**/*.test.ts'], environment: 'node' },
      },
      {
        test: { name: 'policy', include: ['test/policy/**/*.test.ts'], environment: 'node' },
      },
      {
        test: {
          name: 'infra',
          include: ['test/infra/**/*.test.ts'],
          environment: 'node',
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
    ],
  },
});
