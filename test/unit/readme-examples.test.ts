/**
 * Every TypeScript sample in the README is a file under docs/examples/, shown verbatim, so the
 * samples compile (tsc includes docs/examples) and run (test/e2e/examples.test.ts) as shown.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const root = new URL('../../', import.meta.url);
const readme = readFileSync(new URL('README.md', root), 'utf8');
const examples = readdirSync(new URL('docs/examples/', root))
  .filter((name) => name.endsWith('.ts'))
  .map((name) => ({ name, text: readFileSync(new URL(`docs/examples/${name}`, root), 'utf8') }));
const blocks = [...readme.matchAll(/^```(?:ts|typescript)\n([\s\S]*?)^```$/gm)].map(
  (match) => match[1] ?? '',
);

describe('README code samples', () => {
  it('has examples to show', () => {
    expect(examples.map((example) => example.name)).toEqual(
      expect.arrayContaining(['sign-in.ts', 'upload.ts', 'construct.ts']),
    );
  });

  it.each(examples)('shows docs/examples/$name verbatim', ({ text }) => {
    expect(blocks).toContain(text);
  });

  it('has no TypeScript sample that is not one of those files', () => {
    for (const block of blocks) expect(examples.map((example) => example.text)).toContain(block);
  });
});
