/**
 * What the page needs to reach the system, fetched at load from `config.json` (served by whoever
 * hosts the console: `npm start` builds it from the local stack's outputs). Nothing is baked into
 * the bundle, so one build serves any stack.
 */

export interface DemoUser {
  readonly username: string;
  readonly password: string;
}

export interface ConsoleConfig {
  /** The `ApiUrl` output, ending in `/`. */
  readonly apiUrl: string;
  readonly region: string;
  readonly userPool: {
    /** The user pool's endpoint (`CognitoIdpEndpoint` locally; `https://cognito-idp.{region}.amazonaws.com/` on AWS). */
    readonly endpoint: string;
    readonly clientId: string;
  };
  /** Only a local stack offers these; a deployed console's config has none. */
  readonly demoUsers: readonly DemoUser[];
}

function text(value: unknown, name: string): string {
  if (typeof value !== 'string' || value === '') throw new Error(`config.json: ${name} is missing`);
  return value;
}

/** Checks the shape, so a broken config fails at load naming the field instead of later, obscurely. */
export function parseConfig(json: unknown): ConsoleConfig {
  const raw = (typeof json === 'object' && json !== null ? json : {}) as Record<string, unknown>;
  const pool = (typeof raw.userPool === 'object' && raw.userPool !== null ? raw.userPool : {}) as Record<
    string,
    unknown
  >;
  const demoUsers = Array.isArray(raw.demoUsers) ? (raw.demoUsers as unknown[]) : [];
  const apiUrl = text(raw.apiUrl, 'apiUrl');
  return {
    apiUrl: apiUrl.endsWith('/') ? apiUrl : `${apiUrl}/`,
    region: text(raw.region, 'region'),
    userPool: {
      endpoint: text(pool.endpoint, 'userPool.endpoint'),
      clientId: text(pool.clientId, 'userPool.clientId'),
    },
    demoUsers: demoUsers.map((user, index) => {
      const entry = (typeof user === 'object' && user !== null ? user : {}) as Record<string, unknown>;
      return {
        username: text(entry.username, `demoUsers[${index}].username`),
        password: text(entry.password, `demoUsers[${index}].password`),
      };
    }),
  };
}

/** From the site's root, so the public page (`/public/{owner}`) reads the same file. */
export async function loadConfig(url = '/config.json'): Promise<ConsoleConfig> {
  // Served with Cache-Control: no-store, so a restarted stack's new endpoints are always read.
  const response = await fetch(url);
  if (!response.ok) throw new Error(`config.json: HTTP ${response.status}`);
  return parseConfig(await response.json());
}
