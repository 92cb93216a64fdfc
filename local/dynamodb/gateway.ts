/**
 * The local DynamoDB front door: DynamoDB's JSON protocol (`X-Amz-Target: DynamoDB_20120810.<Op>`)
 * in front of moto, where the identity directory, the ledger and the sessions tables live. Every
 * request must be SigV4-signed (service `dynamodb`); the API function's and the events function's
 * keys may do only what their deployed roles allow (`FUNCTION_ACTIONS`, `LEDGER_RIGHTS`,
 * `SESSION_RIGHTS`), the stack's admin keys may manage tables and read the ledger, and anyone else
 * is refused as DynamoDB refuses.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { TABLE_GRANTS } from '../../shared/contract/grants';
import {
  AwsJsonError,
  accessDenied,
  type Caller,
  forwardToMoto,
  type Principals,
  readSignedJsonCall,
  settle,
} from '../core/aws-json';
import type { MotoServer } from '../moto/moto';
import { closeServer, LOOPBACK, listen } from '../stack/ports';

export interface DynamoDbGatewayOptions {
  /** @default '127.0.0.1' */
  readonly host?: string;
  /** 0 or omitted: a free port. */
  readonly port?: number;
  readonly moto: Pick<MotoServer, 'agent'>;
  /** `function` gets the deployed function role's rights on `table`; `admin` manages tables. */
  readonly principals: Principals;
  /** The identity directory table, the only one the function may use. */
  readonly table: string;
  /** The usage ledger table (see `LEDGER_RIGHTS`); undefined: none. */
  readonly ledgerTable?: string;
  /** The session store's table (see `SESSION_RIGHTS`); undefined: none. */
  readonly sessionTable?: string;
  /** @default 'us-east-1' */
  readonly region?: string;
  /** One line per request: operation, table and outcome. @default silent */
  readonly log?: (line: string) => void;
}

export interface DynamoDbGateway {
  /** Base URL, for `endpoint` / `AWS_ENDPOINT_URL_DYNAMODB`. */
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

const TARGET_PREFIX = 'DynamoDB_20120810.';
const CONTENT_TYPE = 'application/x-amz-json-1.0';
const MAX_BODY_BYTES = 1024 * 1024;
/** The API function's rights on the directory, as the construct grants them. */
const FUNCTION_ACTIONS: ReadonlySet<string> = new Set(TABLE_GRANTS.api.directory);
/** The bootstrap's needs: create the table and wait for it. */
const ADMIN_ACTIONS: ReadonlySet<string> = new Set(['CreateTable', 'DescribeTable', 'GetItem']);
/**
 * Each function's rights on the ledger, as the construct grants them; the admin (the audit, a
 * per-user quota) reads it all and updates usage items.
 */
const LEDGER_RIGHTS: Readonly<Record<'function' | 'events' | 'admin', ReadonlySet<string>>> = {
  function: new Set(TABLE_GRANTS.api.ledger),
  events: new Set(TABLE_GRANTS.events.ledger),
  admin: new Set(['Query', 'Scan', 'UpdateItem', 'UpdateTimeToLive']),
};
/** Each function's rights on the session store, as the construct grants them; the admin sets its TTL and removes a user's session (`npm run users -- remove`). */
const SESSION_RIGHTS: Readonly<Record<'function' | 'events' | 'admin', ReadonlySet<string>>> = {
  function: new Set(TABLE_GRANTS.api.sessions),
  events: new Set(),
  admin: new Set(['UpdateTimeToLive', 'DeleteItem']),
};
/** TransactWriteItems is authorized as the operation of each item, on each item's table. */
const TRANSACT_ACTIONS: Readonly<Record<string, string>> = {
  Put: 'PutItem',
  Update: 'UpdateItem',
  Delete: 'DeleteItem',
  ConditionCheck: 'ConditionCheckItem',
};

/** Whether `caller`'s deployed rights allow `action` on `table`. */
function mayCall(
  options: DynamoDbGatewayOptions,
  caller: Caller,
  action: string,
  table: string | undefined,
): boolean {
  if (table === undefined) return false;
  if (caller.kind === 'identity') return false;
  return (
    (caller.kind === 'function' && FUNCTION_ACTIONS.has(action) && table === options.table) ||
    (caller.kind === 'admin' && ADMIN_ACTIONS.has(action)) ||
    (table === options.ledgerTable && LEDGER_RIGHTS[caller.kind].has(action)) ||
    (table === options.sessionTable && SESSION_RIGHTS[caller.kind].has(action))
  );
}

export async function startDynamoDbGateway(options: DynamoDbGatewayOptions): Promise<DynamoDbGateway> {
  const host = options.host ?? LOOPBACK;
  const region = options.region ?? 'us-east-1';
  const log = options.log ?? (() => {});
  const { agent } = options.moto;
  // moto applies a conditional write or a transaction in steps that concurrent requests can
  // interleave, where DynamoDB applies each atomically (quota reservations rely on it): one request
  // at a time to moto restores that.
  let upstream: Promise<unknown> = Promise.resolve();
  const oneAtATime = <T>(work: () => Promise<T>): Promise<T> => {
    const run = upstream.then(work, work);
    upstream = run.catch(() => undefined);
    return run;
  };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<string> {
    const { operation, caller, input } = await readSignedJsonCall(req, {
      targetPrefix: TARGET_PREFIX,
      maxBodyBytes: MAX_BODY_BYTES,
      service: 'dynamodb',
      region,
      principals: options.principals,
    });
    const may = (action: string, table: string | undefined) => mayCall(options, caller, action, table);
    const arn = (table: string | undefined) =>
      `arn:aws:dynamodb:${region}:000000000000:table/${table ?? '*'}`;
    let table: string | undefined;
    if (operation === 'TransactWriteItems') {
      const items = Array.isArray(input.TransactItems) ? (input.TransactItems as unknown[]) : [];
      if (items.length === 0 || items.length > 100) {
        throw new AwsJsonError('ValidationException', 'TransactItems must hold 1 to 100 items.');
      }
      for (const item of items) {
        const entries = typeof item === 'object' && item !== null ? Object.entries(item) : [];
        const [kind, request] = entries[0] ?? [];
        const action = kind === undefined ? undefined : TRANSACT_ACTIONS[kind];
        const itemTable = (request as { TableName?: unknown } | undefined)?.TableName;
        if (entries.length !== 1 || action === undefined || typeof itemTable !== 'string') {
          throw new AwsJsonError(
            'ValidationException',
            'Each TransactItems entry names one operation and its table.',
          );
        }
        if (!may(action, itemTable)) throw accessDenied(caller, `dynamodb:${action}`, arn(itemTable));
      }
    } else if (operation === 'BatchWriteItem' || operation === 'BatchGetItem') {
      // Authorized on every table it reads or writes, as IAM does.
      const tables =
        typeof input.RequestItems === 'object' && input.RequestItems !== null
          ? Object.keys(input.RequestItems)
          : [];
      if (tables.length === 0)
        throw new AwsJsonError('ValidationException', 'RequestItems must name a table.');
      for (const itemTable of tables) {
        if (!may(operation, itemTable)) throw accessDenied(caller, `dynamodb:${operation}`, arn(itemTable));
      }
    } else {
      table = typeof input.TableName === 'string' ? input.TableName : undefined;
      if (!may(operation, table)) throw accessDenied(caller, `dynamodb:${operation}`, arn(table));
    }

    const status = await oneAtATime(() =>
      forwardToMoto(agent, res, {
        method: 'POST',
        path: '/',
        headers: {
          host: `dynamodb.${region}.amazonaws.com`,
          'content-type': CONTENT_TYPE,
          'x-amz-target': `${TARGET_PREFIX}${operation}`,
          // moto picks the service and region out of a signature's scope; it checks none.
          authorization: `AWS4-HMAC-SHA256 Credential=front-door/20000101/${region}/dynamodb/aws4_request, SignedHeaders=host, Signature=0`,
        },
        // What was authorized, re-serialized: the table checked is the table moto acts on.
        body: Buffer.from(JSON.stringify(input), 'utf8'),
      }),
    );
    return `${operation} ${table ?? ''} ${status}`;
  }

  const door = {
    service: 'dynamodb',
    internal: new AwsJsonError('InternalServerError', 'Internal server error.', 500),
    log,
  };
  const server = createServer((req, res) => settle(handle(req, res), res, door));
  const port = await listen(server, host, options.port ?? 0, 'the DynamoDB gateway');
  return {
    url: `http://${host}:${port}`,
    port,
    close: () => closeServer(server),
  };
}
