import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
  devDependencies: Record<string, string>;
  engines: Record<string, string>;
};

describe('runtime', () => {
  // npm puts node_modules/.bin first on PATH, so every script and test runs on the pinned `node`
  // package, the Lambda's major version, whatever Node the machine has.
  it('runs on the Node.js the project pins, the Lambda runtime major', () => {
    expect(pkg.devDependencies.node).toMatch(/^24\.\d+\.\d+$/);
    expect(process.versions.node).toBe(pkg.devDependencies.node);
  });

  it('declares the same major in engines', () => {
    expect(pkg.engines.node).toBe('>=24');
  });
});
