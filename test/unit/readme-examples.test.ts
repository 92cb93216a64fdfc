/**
 * Every TypeScript sample in the README and in docs/*.md is a file under docs/examples/, shown
 * verbatim on the page this table names, so the samples compile (tsc includes docs/examples) and
 * run (test/e2e/examples.test.ts) as shown. A new sample must be given a page here.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const root = new URL('../../', import.meta.url);

/** Which page shows each sample. */
const PAGE_OF_SAMPLE: Readonly<Record<string, string>> = {
  'sign-in.ts': 'docs/api.md',
  'upload.ts': 'docs/api.md',
  'upload-large.ts': 'docs/uploads.md',
  'construct.ts': 'docs/deploy.md',
};

const read = (path: string) => readFileSync(new URL(path, root), 'utf8');
const tsBlocks = (markdown: string) =>
  [...markdown.matchAll(/^```(?:ts|typescript)\n([\s\S]*?)^```$/gm)].map((match) => match[1] ?? '');

const examples = readdirSync(new URL('docs/examples/', root))
  .filter((name) => name.endsWith('.ts'))
  .map((name) => ({ name, text: read(`docs/examples/${name}`) }));
const pages = [
  'README.md',
  ...readdirSync(new URL('docs/', root))
    .filter((name) => name.endsWith('.md'))
    .map((name) => `docs/${name}`),
].map((path) => ({ path, blocks: tsBlocks(read(path)) }));

describe('code samples in the README and docs/', () => {
  it('has examples to show, each with a page', () => {
    expect(examples.map((example) => example.name)).toEqual(
      expect.arrayContaining(['sign-in.ts', 'upload.ts', 'upload-large.ts', 'construct.ts']),
    );
    expect(examples.map((example) => example.name).sort()).toEqual(Object.keys(PAGE_OF_SAMPLE).sort());
  });

  it.each(examples)('shows docs/examples/$name verbatim on its page', ({ name, text }) => {
    const page = pages.find((candidate) => candidate.path === PAGE_OF_SAMPLE[name]);
    expect(page, `${PAGE_OF_SAMPLE[name]} exists`).toBeDefined();
    expect(page?.blocks).toContain(text);
  });

  it.each(pages)('$path has no TypeScript sample that is not one of those files', ({ blocks }) => {
    for (const block of blocks) expect(examples.map((example) => example.text)).toContain(block);
  });
});
