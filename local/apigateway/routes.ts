/**
 * The REST API's resources and methods (the contract's route list, as the construct creates them),
 * and where a request lands among them, decided as API Gateway decides it:
 * routing comes before authorization, so an unknown resource or method is refused the same way
 * with or without a token.
 */
import { servedRoutes } from '../../shared/contract/routes';

/** The REST API's resources and methods: the contract's routes, as the construct creates them. */
export function deployedRoutes(): Map<string, Set<string>> {
  const routes = new Map<string, Set<string>>();
  for (const { path, method } of servedRoutes({ ledger: true, guests: true })) {
    routes.set(path, new Set([...(routes.get(path) ?? []), method]));
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
