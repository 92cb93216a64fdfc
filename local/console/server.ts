/**
 * The web console behind `npm start`: `console/` built by Vite into a directory when the server
 * starts (while the stack boots), then served as static files on loopback, with `config.json` made
 * from the stack's outputs. The page is only a client of the API, the user pool and storage; this
 * server has no other endpoint.
 */

import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { dirname, extname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ConsoleConfig } from '../../console/src/config';
import type { LocalStackOutputs } from '../stack/local-stack';
import { closeServer, LOOPBACK, listen } from '../stack/ports';

const CONSOLE_SOURCE = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'console');

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
};

/** `/public/{owner}` (a trailing `/` allowed): one segment, the page decides the rest. */
const PUBLIC_PAGE = /^\/public\/[^/]+\/?$/;

export interface ConsoleServerOptions {
  /** @default '127.0.0.1' */
  readonly host?: string;
  /** 0 or omitted: a free port. */
  readonly port?: number;
  /** Where the build goes (emptied first). */
  readonly outDir: string;
}

export interface ConsoleServer {
  /** What a browser opens: `http://localhost:{port}/`, the origin the stack's CORS must allow. */
  readonly url: string;
  readonly origin: string;
  readonly port: number;
  /** Serves `config.json` for this stack, once the build is done (its failure is thrown here). */
  serve(outputs: LocalStackOutputs): Promise<void>;
  close(): Promise<void>;
}

/**
 * Builds `console/` with Vite (Preact's JSX, no source maps). Asset paths are absolute (`/assets/…`):
 * the page is also served at `/public/{owner}`, where relative ones would point below that path.
 */
export async function buildConsole(outDir: string): Promise<void> {
  // Loaded only here: nothing else in the local stack needs Vite.
  const { build } = await import('vite');
  await build({
    configFile: false,
    root: CONSOLE_SOURCE,
    base: '/',
    logLevel: 'warn',
    oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
    build: { outDir, emptyOutDir: true, reportCompressedSize: false },
  });
}

/**
 * What the page needs from the stack's outputs; the demo users' passwords only because this is the
 * local stack (a deployed console's config has none). No admin key ever goes here.
 */
export function consoleConfig(outputs: LocalStackOutputs): ConsoleConfig {
  return {
    apiUrl: outputs.ApiUrl,
    region: outputs.Region,
    userPool: { endpoint: outputs.CognitoIdpEndpoint, clientId: outputs.UserPoolClientId },
    demoUsers: outputs.DemoUsers.map(({ username, password }) => ({ username, password })),
  };
}

/** The allowed CORS origins with the console's added, so the page can call the API and storage. */
export function withConsoleOrigin(origins: readonly string[], origin: string): readonly string[] {
  return origins.includes(origin) ? origins : [...origins, origin];
}

/**
 * Only the page's own files, connections only to the stack's endpoints, and images only through the
 * API (permanent links) and storage (where they redirect).
 */
function contentSecurityPolicy(outputs: LocalStackOutputs | undefined): string {
  const origin = (url: string) => new URL(url).origin;
  const endpoints = outputs
    ? [outputs.ApiUrl, outputs.CognitoIdpEndpoint, outputs.S3Endpoint].map(origin)
    : [];
  const images = outputs ? [outputs.ApiUrl, outputs.S3Endpoint].map(origin) : [];
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    `connect-src 'self' ${endpoints.join(' ')}`.trim(),
    `img-src ${images.length > 0 ? images.join(' ') : "'none'"}`,
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/** The server's state: where the build is, and what it serves once the stack is up. */
interface Site {
  readonly host: string;
  readonly root: string;
  port: number;
  outputs: LocalStackOutputs | undefined;
  built: Promise<void> | undefined;
}

export async function startConsoleServer(options: ConsoleServerOptions): Promise<ConsoleServer> {
  const site: Site = {
    host: options.host ?? LOOPBACK,
    root: resolve(options.outDir),
    port: 0,
    outputs: undefined,
    built: undefined,
  };
  const server = createServer((req, res) => {
    handle(site, req, res).catch(() => {
      if (res.headersSent) res.destroy();
      else sendText(res, 500, 'The console build failed; see the terminal.\n');
    });
  });
  site.port = await listen(server, site.host, options.port ?? 0, 'the web console');
  const built = buildConsole(site.root);
  site.built = built;
  // Reported by serve(); a request meanwhile answers 500.
  built.catch(() => undefined);
  const origin = `http://localhost:${site.port}`;
  return {
    url: `${origin}/`,
    origin,
    port: site.port,
    async serve(stackOutputs) {
      await built;
      site.outputs = stackOutputs;
    },
    async close() {
      await built.catch(() => undefined);
      await closeServer(server);
    },
  };
}

function send(res: ServerResponse, status: number, type: string, body: string, extra = {}): void {
  res.writeHead(status, { 'Content-Type': type, 'Cache-Control': 'no-store', ...extra });
  res.end(body);
}

function sendText(res: ServerResponse, status: number, text: string, extra = {}): void {
  send(res, status, 'text/plain; charset=utf-8', text, extra);
}

async function handle(site: Site, req: IncomingMessage, res: ServerResponse): Promise<void> {
  res.setHeader('Content-Security-Policy', contentSecurityPolicy(site.outputs));
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Referrer-Policy', 'no-referrer');
  res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
  // `config.json` holds the demo passwords: a page on another site that rebinds its host name to
  // 127.0.0.1 reaches this port, but with its own Host header, which is refused here.
  if (req.headers.host !== `localhost:${site.port}` && req.headers.host !== `${site.host}:${site.port}`) {
    return sendText(res, 421, 'Open the console at its printed URL.\n');
  }
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    return sendText(res, 405, 'Method not allowed.\n', { Allow: 'GET, HEAD' });
  }
  let path: string;
  try {
    path = decodeURIComponent(new URL(req.url ?? '/', 'http://console.invalid').pathname);
  } catch {
    return sendText(res, 400, 'Bad path.\n');
  }
  if (path === '/config.json') return serveConfig(site, res);
  await site.built;
  // The public page of one owner (`/public/{owner}`) is the console's page, which reads the owner
  // from its own path; whatever the segment holds, the API judges it.
  await serveFile(site, req, res, PUBLIC_PAGE.test(path) ? '/index.html' : path);
}

function serveConfig(site: Site, res: ServerResponse): void {
  if (site.outputs) send(res, 200, 'application/json', JSON.stringify(consoleConfig(site.outputs)));
  else sendText(res, 503, 'The local stack is still starting.\n', { 'Retry-After': '1' });
}

/** A file of the build, never one outside it. */
async function serveFile(site: Site, req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
  const file = resolve(site.root, `.${path === '/' ? '/index.html' : path}`);
  const info = file.startsWith(`${site.root}${sep}`) ? await stat(file).catch(() => undefined) : undefined;
  if (!info?.isFile()) return sendText(res, 404, 'Not found.\n');
  res.writeHead(200, {
    'Content-Type': CONTENT_TYPES[extname(file)] ?? 'application/octet-stream',
    'Content-Length': info.size,
    // Vite names every asset by its content hash; the page and its config are always fetched anew.
    'Cache-Control': path.startsWith('/assets/') ? 'public, max-age=31536000, immutable' : 'no-store',
  });
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  createReadStream(file).pipe(res);
}
