/**
 * The API's routes, listed once: the function's router serves them, the construct creates their
 * REST API resources and methods, the local API adapter routes them, and a test checks the list
 * against `openapi.yaml` (test/unit/shared/contract/routes.test.ts).
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
] as const satisfies readonly Route[];

export interface Route {
  readonly id: string;
  readonly method: 'GET' | 'POST' | 'DELETE';
  readonly path: string;
  readonly needsLedger?: boolean;
}

export type ContractRoute = (typeof ROUTES)[number];
export type RouteId = ContractRoute['id'];

/** The routes a deployment serves: all of them, less those that need a ledger it lacks. */
export const servedRoutes = (hasLedger: boolean): readonly ContractRoute[] =>
  ROUTES.filter((route) => hasLedger || !('needsLedger' in route));
