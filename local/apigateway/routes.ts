/**
 * The REST API's resources and methods, read from the contract the stack is built to
 * (`openapi.yaml`), and where a request lands among them, decided as API Gateway decides it:
 * routing comes before authorization, so an unknown resource or method is refused the same way
 * with or without a token.
 */
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';

const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'];

/** The resources and methods of the REST API, read from the contract the stack is built to. */
export function loadRoutes(specPath: string): Map<string, Set<string>> {
  const spec = parseYaml(readFileSync(specPath, 'utf8')) as {
    paths?: Record<string, Record<string, unknown>>;
  };
  const routes = new Map<string, Set<string>>();
  for (const [path, item] of Object.entries(spec.paths ?? {})) {
    const methods = Object.keys(item).filter((m) => HTTP_METHODS.includes(m));
    routes.set(path, new Set(methods.map((m) => m.toUpperCase())));
  }
  return routes;
}

export type RouteMatch =
  /** Outside the stage there is no API at all. */
  | { readonly kind: 'outside-stage' }
  /** A known resource's CORS preflight, which CDK's mock integration answers. */
  | { readonly kind: 'preflight' }
  | { readonly kind: 'no-route' }
  /** `path` is the resource path, without the stage. */
  | { readonly kind: 'route'; readonly path: string };

export function matchRoute(
  routes: ReadonlyMap<string, ReadonlySet<string>>,
  stage: string,
  pathname: string,
  method: string,
): RouteMatch {
  const stagePrefix = `/${stage}`;
  if (pathname !== stagePrefix && !pathname.startsWith(`${stagePrefix}/`)) return { kind: 'outside-stage' };
  const path = pathname.slice(stagePrefix.length) || '/';
  const methods = routes.get(path);
  if (methods && method === 'OPTIONS') return { kind: 'preflight' };
  if (!methods?.has(method)) return { kind: 'no-route' };
  return { kind: 'route', path };
}
