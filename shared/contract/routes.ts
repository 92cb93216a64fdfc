/**
 * The API's routes, listed once: the function's router serves them, the construct creates their
 * REST API resources and methods, the local API adapter routes them, and a test checks the list
 * against `openapi.yaml` (test/unit/shared/contract/routes.test.ts).
 *
 * A path segment `{name}` is one URL segment; `{name+}` (API Gateway's greedy variable) is the rest
 * of the path. Routes marked `guest` have no authorizer: anyone may call them, and the function
 * answers them with the deployment's guest session (docs/public-links.md).
 */
export const ROUTES = [
  { id: 'getMe', method: 'GET', path: '/me' },
  { id: 'deleteMyData', method: 'DELETE', path: '/me/data' },
  { id: 'listFiles', method: 'GET', path: '/files' },
  { id: 'deleteFile', method: 'DELETE', path: '/files' },
  { id: 'createUpload', method: 'POST', path: '/files/uploads' },
  { id: 'createDownload', method: 'POST', path: '/files/downloads' },
  { id: 'getFileProperties', method: 'GET', path: '/files/properties' },
  { id: 'startMultipart', method: 'POST', path: '/files/multipart' },
  { id: 'signParts', method: 'POST', path: '/files/multipart/parts' },
  { id: 'getMultipart', method: 'POST', path: '/files/multipart/progress' },
  { id: 'completeMultipart', method: 'POST', path: '/files/multipart/complete' },
  { id: 'abortMultipart', method: 'POST', path: '/files/multipart/abort' },
  { id: 'createCopy', method: 'POST', path: '/files/copies' },
  { id: 'createDownloads', method: 'POST', path: '/files/downloads/batch' },
  { id: 'createShare', method: 'POST', path: '/files/shares' },
  { id: 'listMyShares', method: 'GET', path: '/files/shares' },
  // The share index lives in the ledger: a deployment without one does not serve this route.
  { id: 'listSharedWithMe', method: 'GET', path: '/files/shared-with-me', needsLedger: true },
  { id: 'getUser', method: 'GET', path: '/users/{username}' },
  { id: 'listGroupMembers', method: 'GET', path: '/groups/{group}/members' },
  // Permanent links and public folders: no token. Served only by a deployment with guest access.
  // The folder before the links: a router that tries templates in order must not read
  // `/public/{owner}` as a link with an empty key.
  { id: 'listPublicFiles', method: 'GET', path: '/public/{owner}', guest: true },
  { id: 'getPublicFile', method: 'GET', path: '/public/{owner}/{key+}', guest: true },
  { id: 'headPublicFile', method: 'HEAD', path: '/public/{owner}/{key+}', guest: true },
] as const satisfies readonly Route[];

export interface Route {
  readonly id: string;
  readonly method: 'GET' | 'HEAD' | 'POST' | 'DELETE';
  readonly path: string;
  readonly needsLedger?: boolean;
  /** No authorizer: served to anyone, with the guest session. */
  readonly guest?: boolean;
}

export type ContractRoute = (typeof ROUTES)[number];
export type RouteId = ContractRoute['id'];

/** What decides which routes a deployment serves. */
export interface Deployed {
  readonly ledger: boolean;
  /** Guest access (the construct's `guestAccess`): the identity pool's unauthenticated role. */
  readonly guests: boolean;
}

/** The routes a deployment serves: all of them, less those that need what it lacks. */
export const servedRoutes = (deployed: Deployed): readonly ContractRoute[] =>
  ROUTES.filter(
    (route) => (deployed.ledger || !('needsLedger' in route)) && (deployed.guests || !('guest' in route)),
  );

/** Whether a route is one of the unauthenticated guest routes. */
export const isGuestRoute = (route: Route): boolean => route.guest === true;
