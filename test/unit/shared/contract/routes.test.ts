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
    // OpenAPI has no greedy variable: the spec's `{key}` is the contract's `{key+}`.
    const contract = ROUTES.map((route) => `${route.method} ${route.path.replace('+}', '}')}`);
    expect(contract.sort()).toEqual(specRoutes().sort());
  });

  test('names each route once', () => {
    const ids = ROUTES.map((route) => route.id);
    expect(new Set(ids).size).toBe(ids.length);
  });

  const missingFrom = (deployed: Parameters<typeof servedRoutes>[0]) =>
    ROUTES.filter((route) => !servedRoutes(deployed).includes(route)).map(
      (route) => `${route.method} ${route.path}`,
    );

  test('a deployment without a ledger serves every route but the share index', () => {
    expect(missingFrom({ ledger: false, guests: true })).toEqual(['GET /files/shared-with-me']);
    expect(servedRoutes({ ledger: true, guests: true })).toEqual(ROUTES);
  });

  test('a deployment without guest access serves no route without a token', () => {
    expect(missingFrom({ ledger: true, guests: false })).toEqual([
      'GET /public/{owner}',
      'GET /public/{owner}/{key+}',
      'HEAD /public/{owner}/{key+}',
    ]);
  });
});
