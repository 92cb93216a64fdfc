/**
 * The DynamoDB rights the synthesized roles hold are exactly the contract's (shared/contract/
 * grants.ts), which the local DynamoDB front door enforces: what is tested locally is what deploys.
 */
import { type CfnResource, Stack } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import { beforeAll, describe, expect, test } from 'vitest';
import { TABLE_GRANTS } from '../../shared/contract/grants';
import { type Synthesized, synthesize } from '../support/synth';

type Statement = { Action: string | string[]; Resource: unknown };
type Resources = Record<string, { Type: string; Properties: Record<string, unknown> }>;

let synth: Synthesized;
const logicalId = (construct: IConstruct) =>
  Stack.of(construct).getLogicalId(construct.node.defaultChild as CfnResource);

/** The `dynamodb:` operations a role's policies allow on one table (its ARN or its indexes). */
function dynamoOperations(roleId: string, tableId: string): string[] {
  const resources = synth.template.toJSON().Resources as Resources;
  const statements = Object.values(resources)
    .filter((r) => r.Type === 'AWS::IAM::Policy')
    .filter((r) => JSON.stringify(r.Properties.Roles).includes(`"${roleId}"`))
    .flatMap((r) => (r.Properties.PolicyDocument as { Statement: Statement[] }).Statement)
    .filter((s) => JSON.stringify(s.Resource).includes(`"${tableId}"`));
  const actions = statements.flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action]));
  return [...new Set(actions.filter((a) => a.startsWith('dynamodb:')).map((a) => a.slice(9)))].sort();
}

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
});
