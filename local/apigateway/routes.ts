/**
 * The REST API's resources and methods (the contract's route list, as the construct creates them),
 * and where a request lands among them, decided as API Gateway decides it:
 * routing comes before authorization, so an unknown resource or method is refused the same way
 * with or without a token.
 *
 * A resource path is a template: `{name}` is exactly one non-empty segment, `{name+}` (the greedy
 * variable, last) the rest of the path, at least one character. A static segment wins over a
 * variable, a variable over the greedy one. A request path with a trailing slash that matches no
 * resource is tried without it, so `/public/{owner}/` is `/public/{owner}`. Path parameters reach
 * the function percent-decoded; `path` stays as it was sent.
 */
import { isGuestRoute, servedRoutes } from '../../shared/contract/routes';

type Segment =
  | { readonly kind: 'static'; readonly text: string }
  | { readonly kind: 'variable'; readonly name: string }
  | { readonly kind: 'greedy'; readonly name: string };

/** One REST API resource: its path template, split into segments, and its methods. */
export interface Resource {
  readonly template: string;
  readonly segments: readonly Segment[];
  /** Each method, and whether it is a guest route (no authorizer). */
  readonly methods: ReadonlyMap<string, { readonly guest: boolean }>;
}

/** Which routes the API serves: guest routes only with guest access, as the construct creates them. */
export interface DeployedRoutesOptions {
  /** @default true */
  readonly guests?: boolean;
}

/** The REST API's resources and methods: the contract's routes, as the construct creates them. */
export function deployedRoutes(options: DeployedRoutesOptions = {}): Resource[] {
  const methods = new Map<string, Map<string, { guest: boolean }>>();
  for (const route of servedRoutes({ ledger: true, guests: options.guests ?? true })) {
    const own = methods.get(route.path) ?? new Map<string, { guest: boolean }>();
    own.set(route.method, { guest: isGuestRoute(route) });
    methods.set(route.path, own);
  }
  return [...methods].map(([template, own]) => ({
    template,
    segments: parseTemplate(template),
    methods: own,
  }));
}

function parseTemplate(template: string): Segment[] {
  return template
    .slice(1)
    .split('/')
    .map((part): Segment => {
      const variable = /^\{(\w+)(\+?)\}$/.exec(part);
      if (!variable?.[1]) return { kind: 'static', text: part };
      return variable[2] ? { kind: 'greedy', name: variable[1] } : { kind: 'variable', name: variable[1] };
    });
}

export type RouteMatch =
  /** Outside the stage there is no API at all. */
  | { readonly kind: 'outside-stage' }
  /** A known resource's CORS preflight, which CDK's mock integration answers. */
  | { readonly kind: 'preflight' }
  | { readonly kind: 'no-route' }
  /** A path parameter that is not valid percent-encoding: it cannot be decoded for the function. */
  | { readonly kind: 'bad-path' }
  | {
      readonly kind: 'route';
      /** The resource's template, such as `/public/{owner}/{key+}`. */
      readonly resource: string;
      /** The request path without the stage, as sent (not decoded). */
      readonly path: string;
      /** Decoded; null when the resource has no variables, as API Gateway sends it. */
      readonly pathParameters: Record<string, string> | null;
      /** No authorizer: anyone may call it. */
      readonly guest: boolean;
    };

export function matchRoute(
  resources: readonly Resource[],
  stage: string,
  pathname: string,
  method: string,
): RouteMatch {
  const stagePrefix = `/${stage}`;
  if (pathname !== stagePrefix && !pathname.startsWith(`${stagePrefix}/`)) return { kind: 'outside-stage' };
  const path = pathname.slice(stagePrefix.length) || '/';
  const found =
    bestMatch(resources, path) ??
    (path.length > 1 && path.endsWith('/') ? bestMatch(resources, path.slice(0, -1)) : undefined);
  if (found && method === 'OPTIONS') return { kind: 'preflight' };
  const served = found?.resource.methods.get(method);
  if (!found || !served) return { kind: 'no-route' };
  const pathParameters = decodeAll(found.values);
  if (!pathParameters) return { kind: 'bad-path' };
  return {
    kind: 'route',
    resource: found.resource.template,
    path,
    pathParameters: Object.keys(pathParameters).length > 0 ? pathParameters : null,
    guest: served.guest,
  };
}

interface Found {
  readonly resource: Resource;
  /** Each variable's value as sent (still percent-encoded). */
  readonly values: Record<string, string>;
}

/** The most specific resource matching `path`: static before variable before greedy, segment by segment. */
function bestMatch(resources: readonly Resource[], path: string): Found | undefined {
  const parts = path.slice(1).split('/');
  let best: Found | undefined;
  for (const resource of resources) {
    const values = matchSegments(resource.segments, parts);
    if (values && (!best || moreSpecific(resource, best.resource))) best = { resource, values };
  }
  return best;
}

function matchSegments(
  segments: readonly Segment[],
  parts: readonly string[],
): Record<string, string> | undefined {
  const values: Record<string, string> = {};
  for (const [index, segment] of segments.entries()) {
    const part = parts[index];
    if (segment.kind === 'greedy') {
      const rest = parts.slice(index).join('/');
      if (rest === '') return undefined;
      values[segment.name] = rest;
      return values;
    }
    if (part === undefined) return undefined;
    if (segment.kind === 'static' && part !== segment.text) return undefined;
    if (segment.kind === 'variable') {
      if (part === '') return undefined;
      values[segment.name] = part;
    }
  }
  return parts.length === segments.length ? values : undefined;
}

const RANK = { static: 0, variable: 1, greedy: 2 } as const;

function moreSpecific(candidate: Resource, current: Resource): boolean {
  const length = Math.max(candidate.segments.length, current.segments.length);
  for (let index = 0; index < length; index += 1) {
    const mine = candidate.segments[index];
    const theirs = current.segments[index];
    if (!mine || !theirs) return mine !== undefined;
    if (RANK[mine.kind] !== RANK[theirs.kind]) return RANK[mine.kind] < RANK[theirs.kind];
  }
  return false;
}

/** The values percent-decoded, or undefined when one is not valid percent-encoding (UTF-8). */
function decodeAll(values: Record<string, string>): Record<string, string> | undefined {
  const decoded: Record<string, string> = {};
  for (const [name, value] of Object.entries(values)) {
    try {
      decoded[name] = decodeURIComponent(value);
    } catch {
      return undefined;
    }
  }
  return decoded;
}
