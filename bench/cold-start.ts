/**
 * Bundle size and cold start. The handler is bundled with esbuild exactly as the stack's
 * NodejsFunction bundles it (lib/bundled-function.ts `BUNDLING`, expanded the way aws-cdk-lib's
 * Bundling turns it into esbuild arguments), and, for comparison, built "unbundled": our own
 * TypeScript compiled, every package loaded from node_modules at run time, which is what a sample
 * that zips node_modules deploys. Each variant is then started in fresh `node` processes that load it
 * and answer a first `POST /files/uploads`, with Cognito Identity answered by a loopback fake.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type BuildOptions, build } from 'esbuild';
import { IDENTITY_OPERATIONS, startFakeAws } from '../test/support/fake-aws';
import { apiEvent, BENCH_ENV, benchUser } from './in-process';
import { type Summary, summarize } from './stats';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const ENTRY = join(ROOT, 'lambdas', 'api', 'handler.ts');
/** Inside the project, so the unbundled build resolves packages from its node_modules. */
const OUT = join(ROOT, 'node_modules', '.cache', 'user-files-bench');

/** The stack's bundling props (lib/bundled-function.ts), as esbuild options. */
export const STACK_BUNDLING: BuildOptions = {
  bundle: true,
  platform: 'node',
  target: 'node22',
  format: 'esm',
  minify: true,
  sourcemap: true,
  sourcesContent: false,
  mainFields: ['module', 'main'],
  banner: { js: "import{createRequire as __cr}from'node:module';const require=__cr(import.meta.url);" },
  // externalModules: [] and bundleAwsSDK: true: nothing external.
  external: [],
  logLevel: 'silent',
};

/** The stack's NODE_OPTIONS for the function. */
export const STACK_NODE_OPTIONS = ['--enable-source-maps'];

export interface Builds {
  readonly bundled: string;
  readonly unbundled: string;
  readonly probe: string;
  readonly bundleBytes: number;
  readonly sourceMapBytes: number;
  /** Bytes an unbundled deployment ships: every runtime package the handler imports, whole. */
  readonly unbundledBytes: number;
  readonly unbundledPackages: number;
}

function packageName(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? `${parts[0]}/${parts[1]}` : (parts[0] ?? specifier);
}

/** Where Node would find package `name` from directory `from`. */
function findPackage(name: string, from: string): string | undefined {
  for (let dir = from; ; dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', name);
    try {
      if (statSync(join(candidate, 'package.json')).isFile()) return candidate;
    } catch {
      // not here: try the parent
    }
    if (dirname(dir) === dir) return undefined;
  }
}

function directoryBytes(dir: string): number {
  let total = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    // Nested node_modules hold other packages: they are counted as packages of their own.
    if (entry.name === 'node_modules') continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) total += directoryBytes(path);
    else if (entry.isFile()) total += statSync(path).size;
  }
  return total;
}

/** The production dependency closure of `roots` as installed, and its size on disk. */
function dependencyClosure(roots: readonly string[]): { bytes: number; packages: number } {
  const seen = new Set<string>();
  const queue = roots.flatMap((name) => {
    const dir = findPackage(name, ROOT);
    return dir ? [dir] : [];
  });
  let bytes = 0;
  while (queue.length > 0) {
    const dir = queue.pop();
    if (dir === undefined || seen.has(dir)) continue;
    seen.add(dir);
    bytes += directoryBytes(dir);
    const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {
      dependencies?: Record<string, string>;
      optionalDependencies?: Record<string, string>;
    };
    for (const name of Object.keys({ ...manifest.dependencies, ...manifest.optionalDependencies })) {
      const found = findPackage(name, dir);
      if (found) queue.push(found);
    }
  }
  return { bytes, packages: seen.size };
}

export async function buildVariants(): Promise<Builds> {
  rmSync(OUT, { recursive: true, force: true });
  mkdirSync(OUT, { recursive: true });
  const bundled = join(OUT, 'bundled', 'index.mjs');
  const unbundled = join(OUT, 'unbundled', 'index.mjs');
  const probe = join(OUT, 'probe.mjs');

  await build({ ...STACK_BUNDLING, entryPoints: [ENTRY], outfile: bundled });
  const external = await build({
    entryPoints: [ENTRY],
    outfile: unbundled,
    bundle: true,
    // Our TypeScript compiled into one module; every package stays an import from node_modules.
    packages: 'external',
    platform: 'node',
    target: 'node22',
    format: 'esm',
    sourcemap: true,
    metafile: true,
    logLevel: 'silent',
  });
  await build({
    entryPoints: [join(ROOT, 'bench', 'cold-start-probe.ts')],
    outfile: probe,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'esm',
    logLevel: 'silent',
  });

  const imports = Object.values(external.metafile.outputs).flatMap((output) =>
    output.imports
      .filter((entry) => entry.external && !entry.path.startsWith('node:'))
      .map((entry) => entry.path),
  );
  const closure = dependencyClosure([...new Set(imports.map(packageName))]);
  return {
    bundled,
    unbundled,
    probe,
    bundleBytes: statSync(bundled).size,
    sourceMapBytes: statSync(`${bundled}.map`).size,
    unbundledBytes: closure.bytes,
    unbundledPackages: closure.packages,
  };
}

interface ProbeResult {
  readonly bootMs: number;
  readonly importMs: number;
  readonly firstRequestMs: number;
  readonly totalMs: number;
  readonly status: number;
}

function runProbe(
  probe: string,
  handler: string,
  eventFile: string,
  nodeOptions: readonly string[],
  env: Record<string, string>,
): Promise<ProbeResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...nodeOptions, probe, handler, eventFile], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      const line = stdout.split('\n').find((candidate) => candidate.startsWith('COLD '));
      if (code !== 0 || line === undefined) {
        reject(new Error(`cold-start probe failed (exit ${code}): ${stderr.slice(-500)}`));
        return;
      }
      const result = JSON.parse(line.slice('COLD '.length)) as ProbeResult;
      if (result.status !== 201) reject(new Error(`the first request answered ${result.status}, not 201`));
      else resolve(result);
    });
  });
}

export interface ColdFigures {
  readonly builds: Builds;
  /** As deployed: the bundle, with the stack's NODE_OPTIONS. */
  readonly bundled: Summary;
  /** The same bundle without `--enable-source-maps`: what the source maps cost at init. */
  readonly bundledWithoutSourceMaps: Summary;
  readonly unbundled: Summary;
  /** Median import (init) time of the bundle, and of the unbundled handler. */
  readonly bundledImportMs: number;
  readonly unbundledImportMs: number;
  readonly cognitoCallsPerProcess: number;
}

export async function measureColdStart(runs: number): Promise<ColdFigures> {
  const builds = await buildVariants();
  const user = benchUser(1);
  const eventFile = join(OUT, 'event.json');
  writeFileSync(
    eventFile,
    JSON.stringify(
      apiEvent(user, 'POST', '/files/uploads', {
        level: 'private',
        key: 'photos/first.jpg',
        contentType: 'image/jpeg',
        size: 1234,
      }),
    ),
  );
  // Sealed mode (BENCH_ENV): the function's developer login for the user.
  const fake = await startFakeAws({ [`${BENCH_ENV.USER_POOL_ID}:${user.sub}`]: user.identityId });
  try {
    // What the function's environment holds, and nothing from this shell (no credentials, no
    // profile files), so the SDK does what it does in Lambda.
    const env: Record<string, string> = {
      ...BENCH_ENV,
      PATH: process.env.PATH ?? '',
      HOME: OUT,
      AWS_CONFIG_FILE: join(OUT, 'no-config'),
      AWS_SHARED_CREDENTIALS_FILE: join(OUT, 'no-credentials'),
      AWS_ENDPOINT_URL_COGNITO_IDENTITY: fake.url,
      AWS_ENDPOINT_URL_STS: fake.url,
      // The function role's keys, as Lambda provides them (the fake checks no signature).
      AWS_ACCESS_KEY_ID: 'AKIACOLDSTARTROLE001',
      AWS_SECRET_ACCESS_KEY: 'cold-start-role-secret',
      AWS_LAMBDA_FUNCTION_NAME: 'user-files-api',
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '1024',
      NODE_NO_WARNINGS: '1',
    };
    const variants = {
      bundled: { handler: builds.bundled, options: STACK_NODE_OPTIONS },
      bundledWithoutSourceMaps: { handler: builds.bundled, options: [] as string[] },
      unbundled: { handler: builds.unbundled, options: STACK_NODE_OPTIONS },
    };
    const results: Record<keyof typeof variants, ProbeResult[]> = {
      bundled: [],
      bundledWithoutSourceMaps: [],
      unbundled: [],
    };
    // One discarded round warms the OS file cache, as a Lambda host's would be.
    for (let run = -1; run < runs; run++) {
      for (const [name, variant] of Object.entries(variants) as [
        keyof typeof variants,
        (typeof variants)['bundled'],
      ][]) {
        const result = await runProbe(builds.probe, variant.handler, eventFile, variant.options, env);
        if (run >= 0) results[name].push(result);
      }
    }
    const processes = (runs + 1) * Object.keys(variants).length;
    const median = (values: number[]) => summarize(values).median;
    return {
      builds,
      bundled: summarize(results.bundled.map((result) => result.totalMs)),
      bundledWithoutSourceMaps: summarize(results.bundledWithoutSourceMaps.map((result) => result.totalMs)),
      unbundled: summarize(results.unbundled.map((result) => result.totalMs)),
      bundledImportMs: median(results.bundled.map((result) => result.importMs)),
      unbundledImportMs: median(results.unbundled.map((result) => result.importMs)),
      cognitoCallsPerProcess:
        IDENTITY_OPERATIONS.reduce((calls, operation) => calls + fake.count(operation), 0) / processes,
    };
  } finally {
    await fake.close();
  }
}
