/**
 * The typed API client (openapi-fetch over the generated `paths`), adding the caller's ID token to
 * every request. Used by the e2e suite and usable by any TypeScript front end.
 */
import createClient, { type Client, type ClientOptions, type Middleware } from 'openapi-fetch';
import type { paths } from './schema';

export type FilesClient = Client<paths>;

export interface FilesClientOptions {
  /** The `ApiUrl` stack output (deployed) or `.local/outputs.json`'s (local stack). */
  readonly baseUrl: string;
  /** The user's current Cognito ID token (not the access token); called before every request. */
  readonly getIdToken: () => string | undefined | Promise<string | undefined>;
  /** A fetch implementation (tests, older runtimes). @default globalThis.fetch */
  readonly fetch?: ClientOptions['fetch'];
}

export function createFilesClient(options: FilesClientOptions): FilesClient {
  const client = createClient<paths>({ baseUrl: options.baseUrl, fetch: options.fetch });
  const authorization: Middleware = {
    async onRequest({ request }) {
      const token = await options.getIdToken();
      if (token) request.headers.set('Authorization', `Bearer ${token}`);
      return request;
    },
  };
  client.use(authorization);
  return client;
}
