/**
 * The DynamoDB rights each function's role holds on each table, listed once: the construct grants
 * them (`dynamodb:` + action) and the local DynamoDB front door authorizes by them. An infra test
 * checks the synthesized roles hold exactly these.
 */
export const TABLE_GRANTS = {
  api: {
    /** Direct mode's sub-to-identity directory; `DELETE /me/data` removes the caller's entry. */
    directory: ['GetItem', 'PutItem', 'DeleteItem'],
    /**
     * Reads usage, writes reservations and people (their names), removes a deleted user's
     * partition, and reads a page's names at once (BatchGetItem).
     */
    ledger: ['GetItem', 'Query', 'PutItem', 'UpdateItem', 'BatchWriteItem', 'BatchGetItem'],
    /** The fleet-wide session store: read before minting, written after, removed with the user. */
    sessions: ['GetItem', 'PutItem', 'DeleteItem'],
  },
  events: {
    /** Applies events, records rejections and expires tombstones. */
    ledger: ['GetItem', 'Query', 'PutItem', 'UpdateItem', 'DeleteItem'],
  },
} as const;

export type FunctionName = keyof typeof TABLE_GRANTS;

/**
 * The user-pool operations the API function's role holds on its own pool, listed once: the
 * construct grants them (`cognito-idp:` + operation) and the local user pool door allows the
 * function's keys exactly these. `AdminGetUser` resolves a name (sharing, `GET /users/{username}`);
 * `ListUsersInGroup` answers a member who asks for their group's members.
 */
export const USER_POOL_GRANTS = { api: ['AdminGetUser', 'ListUsersInGroup'] } as const;

/** The IAM actions of a list of user-pool operations. */
export const userPoolActions = (operations: readonly string[]): string[] =>
  operations.map((operation) => `cognito-idp:${operation}`);

/** The IAM actions of a list of DynamoDB operations. */
export const dynamoDbActions = (operations: readonly string[]): string[] =>
  operations.map((operation) => `dynamodb:${operation}`);

/**
 * The session key: only the API function's role may use it, only for data keys bound to this
 * encryption context (the key policy and the local KMS door both require it).
 */
export const SESSION_KEY_GRANTS = { api: ['GenerateDataKey', 'Decrypt'] } as const;
export const SESSION_KEY_CONTEXT = { purpose: 'user-files-session' } as const;

/** The IAM actions of a list of KMS operations. */
export const kmsActions = (operations: readonly string[]): string[] =>
  operations.map((operation) => `kms:${operation}`);
