/**
 * The DynamoDB, KMS and user-pool rights the synthesized roles hold are exactly the contract's
 * (shared/contract/grants.ts), which the local front doors enforce: what is tested locally is what
 * deploys.
 */
import { type CfnResource, Stack } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import { beforeAll, describe, expect, test } from 'vitest';
import {
  SESSION_KEY_CONTEXT,
  SESSION_KEY_GRANTS,
  TABLE_GRANTS,
  USER_POOL_GRANTS,
} from '../../shared/contract/grants';
import { type Synthesized, synthesize } from '../support/synth';

type Statement = { Action: string | string[]; Resource: unknown; Condition?: unknown };
type Resources = Record<string, { Type: string; Properties: Record<string, unknown> }>;

let synth: Synthesized;
const logicalId = (construct: IConstruct) =>
  Stack.of(construct).getLogicalId(construct.node.defaultChild as CfnResource);

/** The statements of a role's policies that name one resource (its ARN, or its indexes). */
function statementsOn(roleId: string, resourceId: string): Statement[] {
  const resources = synth.template.toJSON().Resources as Resources;
  return Object.values(resources)
    .filter((r) => r.Type === 'AWS::IAM::Policy')
    .filter((r) => JSON.stringify(r.Properties.Roles).includes(`"${roleId}"`))
    .flatMap((r) => (r.Properties.PolicyDocument as { Statement: Statement[] }).Statement)
    .filter((s) => JSON.stringify(s.Resource).includes(`"${resourceId}"`));
}

/** The operations of one service (`dynamodb`, `kms`) a role's policies allow on one resource. */
function operations(service: string, roleId: string, resourceId: string): string[] {
  const actions = statementsOn(roleId, resourceId).flatMap((s) => [s.Action].flat());
  const prefix = `${service}:`;
  return [...new Set(actions.filter((a) => a.startsWith(prefix)).map((a) => a.slice(prefix.length)))].sort();
}

const dynamoOperations = (roleId: string, tableId: string) => operations('dynamodb', roleId, tableId);

beforeAll(() => {
  synth = synthesize({ bundle: false, context: { accessMode: 'direct' } });
});

describe('table grants', () => {
  test("the API function's role holds exactly the contract's rights on the ledger and the directory", () => {
    const api = synth.stack.userFiles;
    const directory = api.identityDirectory;
    if (!directory) throw new Error('direct mode has a directory');
    const role = logicalId(api.handlerRole);
    expect(dynamoOperations(role, logicalId(api.storageEvents.ledger))).toEqual(
      [...TABLE_GRANTS.api.ledger].sort(),
    );
    expect(dynamoOperations(role, logicalId(directory))).toEqual([...TABLE_GRANTS.api.directory].sort());
  });

  test("the events function's role holds exactly the contract's rights on the ledger, and none on the directory", () => {
    const api = synth.stack.userFiles;
    const role = logicalId(api.storageEvents.role);
    expect(dynamoOperations(role, logicalId(api.storageEvents.ledger))).toEqual(
      [...TABLE_GRANTS.events.ledger].sort(),
    );
    if (!api.identityDirectory) throw new Error('direct mode has a directory');
    expect(dynamoOperations(role, logicalId(api.identityDirectory))).toEqual([]);
  });

  test("the API function's role holds exactly the contract's rights on the session table and key, the key's only under its encryption context", () => {
    const api = synth.stack.userFiles;
    if (!api.sessionTable || !api.sessionKey) throw new Error('the session store is on by default');
    const role = logicalId(api.handlerRole);
    const key = logicalId(api.sessionKey);
    expect(dynamoOperations(role, logicalId(api.sessionTable))).toEqual(
      [...TABLE_GRANTS.api.sessions].sort(),
    );
    expect(operations('kms', role, key)).toEqual([...SESSION_KEY_GRANTS.api].sort());
    const context = Object.fromEntries(
      Object.entries(SESSION_KEY_CONTEXT).map(([name, value]) => [`kms:EncryptionContext:${name}`, value]),
    );
    for (const statement of statementsOn(role, key)) {
      expect(statement.Condition).toEqual({ StringEquals: context });
    }
    // The events function gets neither.
    const events = logicalId(api.storageEvents.role);
    expect(dynamoOperations(events, logicalId(api.sessionTable))).toEqual([]);
    expect(operations('kms', events, key)).toEqual([]);
  });
});

describe('user pool grants', () => {
  test("the API function's role holds exactly the contract's user-pool operations, on its own pool only", () => {
    const api = synth.stack.userFiles;
    const role = logicalId(api.handlerRole);
    expect(operations('cognito-idp', role, logicalId(api.userPool))).toEqual(
      [...USER_POOL_GRANTS.api].sort(),
    );
    const resources = synth.template.toJSON().Resources as Resources;
    const anywhere = Object.values(resources)
      .filter((r) => r.Type === 'AWS::IAM::Policy')
      .filter((r) => JSON.stringify(r.Properties.Roles).includes(`"${role}"`))
      .flatMap((r) => (r.Properties.PolicyDocument as { Statement: Statement[] }).Statement)
      .filter((s) => [s.Action].flat().some((a) => a.startsWith('cognito-idp:')));
    expect(anywhere).toEqual(statementsOn(role, logicalId(api.userPool)));
  });

  test("the events function's role holds no user-pool operation", () => {
    const api = synth.stack.userFiles;
    expect(operations('cognito-idp', logicalId(api.storageEvents.role), logicalId(api.userPool))).toEqual([]);
  });
});
