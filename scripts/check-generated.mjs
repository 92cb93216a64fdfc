// Fails when shared/api/schema.d.ts is not what openapi.yaml generates (run `npm run generate`).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const dir = mkdtempSync(join(tmpdir(), 'openapi-gen-'));
const out = join(dir, 'schema.d.ts');
try {
  execFileSync('npx', ['openapi-typescript', 'openapi.yaml', '--default-non-nullable', 'false', '-o', out], {
    stdio: 'ignore',
  });
  // Format through stdin under the committed file's name, so the project's biome settings apply.
  const fresh = execFileSync('npx', ['biome', 'format', '--stdin-file-path=shared/api/schema.d.ts'], {
    input: readFileSync(out),
    encoding: 'utf8',
    stdio: ['pipe', 'pipe', 'ignore'],
  });
  const committed = readFileSync('shared/api/schema.d.ts', 'utf8');
  if (fresh !== committed) {
    console.error('shared/api/schema.d.ts is stale: run `npm run generate` and commit the result.');
    process.exit(1);
  }
  console.log('generated API types are up to date');
} finally {
  rmSync(dir, { recursive: true, force: true });
}
