/**
 * `@cloud-copilot/iam-simulate` is AGPL-3.0: it stays behind `local/core/policy-engine.ts`, and nothing
 * the Lambda bundle or the CDK app is built from may import that module.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, test } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..');
const SKIP = new Set(['node_modules', 'cdk.out', '.local', '.git', 'coverage']);

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    if (SKIP.has(entry.name)) return [];
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return /\.(c|m)?[jt]sx?$/.test(entry.name) ? [relative(ROOT, path)] : [];
  });
}

/** Module specifiers of static imports, re-exports and dynamic imports. */
function importsOf(file: string): string[] {
  const text = readFileSync(join(ROOT, file), 'utf8');
  const pattern = /(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+|\brequire\s*\(\s*)['"]([^'"]+)['"]/g;
  return [...text.matchAll(pattern)].map((match) => match[1] as string);
}

const files = sourceFiles(ROOT);

describe('the AGPL policy engine stays out of what is deployed', () => {
  test('outside the tests, only local/core/policy-engine.ts imports @cloud-copilot/iam-simulate', () => {
    const importers = files.filter(
      (file) =>
        !file.startsWith('test/') &&
        importsOf(file).some((specifier) => specifier.startsWith('@cloud-copilot/')),
    );
    expect(importers).toEqual(['local/core/policy-engine.ts']);
  });

  test('nothing under lambdas/, lib/, bin/ or shared/ imports the policy engine or local/', () => {
    const deployed = files.filter((file) => /^(lambdas|lib|bin|shared)\//.test(file));
    expect(deployed.length).toBeGreaterThan(0);
    const offenders = deployed.filter((file) =>
      importsOf(file).some((specifier) => /policy-engine|(^|\/)local\//.test(specifier)),
    );
    expect(offenders).toEqual([]);
  });

  test('the import scanner sees the engine’s own import (it can fail)', () => {
    expect(importsOf('local/core/policy-engine.ts')).toContain('@cloud-copilot/iam-simulate');
    expect(importsOf('test/policy/matrix.ts')).toContain('../../local/core/policy-engine');
  });
});
