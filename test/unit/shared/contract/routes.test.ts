/** The route list the function, the construct and the local adapter share is the spec's. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { parse } from 'yaml';
import { ROUTES, servedRoutes } from '../../../../shared/contract/routes';

const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'];

function specRoutes(): string[] {
  const spec = parse(
    readFileSync(join(import.meta.dirname, '..', '..', '..', '..', 'openapi.yaml'), 'utf8'),
  ) as {
    paths: Record<string, Record<string, unknown>>;
  };
  return Object.entries(spec.paths).flatMap(([path, item]) =>
    Object.keys(item)
      .filter((key) => HTTP_METHODS.includes(key))
      .map((method) => `${method.toUpperCase()} ${path}`),
  );
}

describe('the route contract', () => {
  test('lists exactly the operations of openapi.yaml', () => {
    expect(ROUTES.map((route) => `${route.method} ${route.path}`).sort()).toEqual(specRoutes().sort());
  });

  test('names each route once', () => {
    const ids = ROUTES.map((route) => route.id);
    expect(new Set(ids).size).toBe(ids.length);
  });

  test('a deployment without a ledger serves every route but the share index', () => {
    const missing = ROUTES.filter((route) => !servedRoutes(false).includes(route)).map((route) => route.path);
    expect(missing).toEqual(['/files/shared-with-me']);
    expect(servedRoutes(true)).toEqual(ROUTES);
  });
});
