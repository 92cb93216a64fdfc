/**
 * The HTTP application: middy over a router of per-route modules. Everything per instance (clients,
 * caches, logger) arrives in `deps`, so `createApp(createDeps(config))` is a fresh instance.
 *
 * Middleware order matters for errors: `onError` runs in reverse, so a failure is first turned into
 * its problem response, then gets CORS headers, then is logged with its final status, and last the
 * logger's per-request keys are reset.
 */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import httpCors from '@middy/http-cors';
import httpRouterHandler, { type Route } from '@middy/http-router';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { type RouteId, servedRoutes } from '../../shared/contract/routes';
import { MethodNotAllowedError, NotFoundError, UpstreamTimeoutError } from '../../shared/domain/errors';
import { CORS_ALLOWED_HEADERS, CORS_EXPOSED_HEADERS, CORS_MAX_AGE_SECONDS } from '../../shared/http/cors';
import { problemResponses, requestLogging } from '../logging';
import type { AppDeps } from './deps';

import { createAbortMultipartRoute } from './routes/abort-multipart';
import { createCompleteMultipartRoute } from './routes/complete-multipart';
import { createCopyRoute } from './routes/create-copy';
import { createDownloadRoute } from './routes/create-download';
import { createDownloadsRoute } from './routes/create-downloads';
import { createShareRoute } from './routes/create-share';
import { createUploadRoute } from './routes/create-upload';
import { createDeleteFileRoute } from './routes/delete-file';
import { createDeleteMyDataRoute } from './routes/delete-my-data';
import { createGetFilePropertiesRoute } from './routes/get-file-properties';
import { createGetMeRoute } from './routes/get-me';
import { createGetMultipartRoute } from './routes/get-multipart';
import { createGetUserRoute } from './routes/get-user';
import { createListFilesRoute } from './routes/list-files';
import { createListGroupMembersRoute } from './routes/list-group-members';
import { createListMySharesRoute } from './routes/list-my-shares';
import { createListSharedWithMeRoute } from './routes/list-shared-with-me';
import { createPublicFileRoute, createPublicFolderRoute } from './routes/public-files';
import { createSignPartsRoute } from './routes/sign-parts';
import { createStartMultipartRoute } from './routes/start-multipart';

export type ApiHandler = (event: APIGatewayProxyEvent, context: Context) => Promise<APIGatewayProxyResult>;

type RouteHandler = (event: APIGatewayProxyEvent) => Promise<APIGatewayProxyResult>;

/**
 * How long before the function's own timeout middy gives up on the route and answers 504. Its
 * default (5 ms) leaves the error middlewares and the runtime no room: a slower answer is killed
 * with the function and reaches the client as API Gateway's bare 502, without CORS headers.
 */
export const TIMEOUT_EARLY_MS = 250;

const unserved: RouteHandler = () => Promise.reject(new NotFoundError('no such route'));

/** Each route of the contract's list, by its id: a route added there fails to compile until served. */
function routeHandlers(deps: AppDeps): Record<RouteId, RouteHandler> {
  const sharedWithMe = deps.ledger ? createListSharedWithMeRoute(deps, deps.ledger) : undefined;
  const { guest } = deps.identity;
  const publicFile = guest ? createPublicFileRoute(deps, guest) : undefined;
  const publicFolder = guest ? createPublicFolderRoute(deps, guest) : undefined;
  return {
    getMe: createGetMeRoute(deps),
    deleteMyData: createDeleteMyDataRoute(deps),
    listFiles: createListFilesRoute(deps),
    deleteFile: createDeleteFileRoute(deps),
    createUpload: createUploadRoute(deps),
    createDownload: createDownloadRoute(deps),
    getFileProperties: createGetFilePropertiesRoute(deps),
    startMultipart: createStartMultipartRoute(deps),
    signParts: createSignPartsRoute(deps),
    getMultipart: createGetMultipartRoute(deps),
    completeMultipart: createCompleteMultipartRoute(deps),
    abortMultipart: createAbortMultipartRoute(deps),
    createCopy: createCopyRoute(deps),
    createDownloads: createDownloadsRoute(deps),
    createShare: createShareRoute(deps),
    listMyShares: createListMySharesRoute(deps),
    // Served only with a ledger (servedRoutes); never reached without one.
    listSharedWithMe: sharedWithMe ?? unserved,
    getUser: createGetUserRoute(deps),
    listGroupMembers: createListGroupMembersRoute(deps),
    // Served only with guest access (servedRoutes); never reached without it.
    getPublicFile: publicFile ?? unserved,
    headPublicFile: publicFile ?? unserved,
    listPublicFiles: publicFolder ?? unserved,
  };
}

/**
 * middy's router knows one greedy variable, `{proxy+}`; the contract names its own (`{key+}`). The
 * value the function reads is API Gateway's, in `pathParameters`, under the contract's name.
 */
const routerPath = (path: string) => path.replace(/\{\w+\+\}$/, '{proxy+}');

export function createApp(deps: AppDeps): ApiHandler {
  const handlers = routeHandlers(deps);
  const served = servedRoutes({
    ledger: deps.ledger !== undefined,
    guests: deps.identity.guest !== undefined,
  });
  const table = served.map(({ id, method, path }) => ({
    method,
    path: routerPath(path),
    handler: handlers[id],
  }));
  const methodsByPath = new Map<string, string[]>();
  for (const route of table)
    methodsByPath.set(route.path, [...(methodsByPath.get(route.path) ?? []), route.method]);

  const routes: Route<APIGatewayProxyEvent, APIGatewayProxyResult>[] = table;
  const router = httpRouterHandler<APIGatewayProxyEvent, APIGatewayProxyResult>({
    routes,
    notFoundResponse: ({ method, path }) => {
      const allowed = methodsByPath.get(path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path);
      if (allowed === undefined) throw new NotFoundError('no such route');
      throw new MethodNotAllowedError(`${method} is not supported here`, allowed);
    },
  });

  const handler = middy<APIGatewayProxyEvent, APIGatewayProxyResult, Error, Context>(router, {
    timeoutEarlyInMillis: TIMEOUT_EARLY_MS,
    timeoutEarlyResponse: () => {
      throw new UpstreamTimeoutError('upstream services did not answer within the time left');
    },
  })
    .use(injectLambdaContext(deps.logger, { resetKeys: true, logEvent: false })) // the event holds the ID token
    .use(requestLogging(deps.logger))
    .use(
      httpCors({
        // Echoes the request's Origin only when it is listed; unlisted origins get no CORS headers.
        origins: [...deps.config.allowedOrigins],
        methods: 'GET,POST,DELETE,OPTIONS',
        headers: CORS_ALLOWED_HEADERS.join(','),
        exposeHeaders: CORS_EXPOSED_HEADERS.join(','),
        maxAge: CORS_MAX_AGE_SECONDS,
        // Answer preflights here too, for front doors (such as the local API adapter) that pass
        // OPTIONS through; API Gateway answers them itself.
        disableBeforePreflightResponse: false,
      }),
    )
    .use(problemResponses(deps.logger));
  return handler as ApiHandler;
}
