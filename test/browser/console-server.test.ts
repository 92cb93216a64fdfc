/**
 * The console server of `npm start`: it serves the built page and `config.json` (the stack's public
 * settings and, locally, the demo users) and nothing else: no file outside the build, no other
 * method, no other Host (a rebinding site must not read the demo passwords), with a CSP that lets
 * the page talk only to the stack's endpoints.
 */
import { request } from 'node:http';
import { describe, expect, it } from 'vitest';
import { consoleTarget } from './support/target';

interface Answer {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
}

/** Raw HTTP, so the path and Host go out exactly as written (fetch would normalize both). */
function get(path: string, options: { host?: string; method?: string } = {}): Promise<Answer> {
  const { consolePort } = consoleTarget();
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port: consolePort,
        path,
        method: options.method ?? 'GET',
        headers: { host: options.host ?? `localhost:${consolePort}` },
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          body += chunk;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

describe('the console server', () => {
  it('serves the page with a CSP that allows connections only to the stack', async () => {
    const target = consoleTarget();
    const page = await get('/');
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.body).toMatch(
      /<script type="module" crossorigin src="\/assets\/index-[\w-]+\.js"><\/script>/,
    );
    const csp = String(page.headers['content-security-policy']);
    const connect = csp.split('; ').find((directive) => directive.startsWith('connect-src '));
    const stack = [target.apiUrl, target.userPool.endpoint, target.s3Endpoint].map(
      (url) => new URL(url).origin,
    );
    expect(connect?.split(' ').slice(1).sort()).toEqual(["'self'", ...stack].sort());
    // Images (the public page's previews) only through the API's permanent links and storage.
    const img = csp.split('; ').find((directive) => directive.startsWith('img-src '));
    const images = [target.apiUrl, target.s3Endpoint].map((url) => new URL(url).origin);
    expect(img?.split(' ').slice(1).sort()).toEqual(images.sort());
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(page.headers['x-content-type-options']).toBe('nosniff');
  });

  it('serves the same page at /public/{owner}, one segment only, with absolute asset paths', async () => {
    const root = await get('/');
    for (const path of [
      '/public/us-east-1:3f2b6c1e-0000-4000-8000-000000000000',
      '/public/us-east-1%3A3f2b6c1e-0000-4000-8000-000000000000/',
      '/public/not-an-owner',
    ]) {
      const page = await get(path);
      expect(page.status, path).toBe(200);
      expect(page.headers['content-type'], path).toBe('text/html; charset=utf-8');
      expect(page.headers['cache-control'], path).toBe('no-store');
      expect(page.headers['content-security-policy'], path).toBe(root.headers['content-security-policy']);
      // The same build, whose assets load from the root wherever the page is.
      expect(page.body, path).toBe(root.body);
    }
    for (const path of ['/public', '/public/', '/public/a/b', '/public/a%2fb', '/public/x/config.json']) {
      await expect(get(path), path).resolves.toMatchObject({ status: 404 });
    }
  });

  it('serves config.json with the public settings and the demo users, nothing more', async () => {
    const target = consoleTarget();
    const config = await get('/config.json');
    expect(config.status).toBe(200);
    expect(config.headers['cache-control']).toBe('no-store');
    expect(JSON.parse(config.body)).toEqual({
      apiUrl: target.apiUrl,
      region: 'us-east-1',
      userPool: target.userPool,
      demoUsers: target.users,
    });
  });

  it('refuses another Host, so a DNS-rebinding page cannot read the demo passwords', async () => {
    const { consolePort } = consoleTarget();
    for (const host of [`evil.example:${consolePort}`, 'localhost', `localhost:${consolePort + 1}`]) {
      const answer = await get('/config.json', { host });
      expect(answer.status).toBe(421);
      expect(answer.body).not.toContain('password');
    }
    await expect(get('/config.json', { host: `127.0.0.1:${consolePort}` })).resolves.toMatchObject({
      status: 200,
    });
  });

  it('serves nothing outside the build and answers only GET and HEAD', async () => {
    // `outside.txt` lies next to the build directory (see global-setup.ts).
    for (const path of [
      '/../outside.txt',
      '/%2e%2e/outside.txt',
      '/..%2foutside.txt',
      '/assets/..%2f..%2foutside.txt',
    ]) {
      const answer = await get(path);
      expect(answer.status, path).toBe(404);
    }
    await expect(get('/nothing.js')).resolves.toMatchObject({ status: 404 });
    await expect(get('/config.json', { method: 'POST' })).resolves.toMatchObject({ status: 405 });
    await expect(get('/', { method: 'HEAD' })).resolves.toMatchObject({ status: 200, body: '' });
  });
});
