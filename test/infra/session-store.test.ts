/**
 * The fleet-wide session store as synthesized: an on-demand table whose items expire, and a KMS key
 * with rotation whose policy lets the account manage it and only the API function's role use it,
 * only for data keys of the session encryption context. No IAM policy in the stack but that role's
 * mentions a KMS action that uses keys.
 */
import { type CfnResource, Stack } from 'aws-cdk-lib';
import { beforeAll, describe, expect, it } from 'vitest';
import { SESSION_KEY_ADMIN_ACTIONS } from '../../lib/session-store';
import { kmsActions, SESSION_KEY_CONTEXT, SESSION_KEY_GRANTS } from '../../shared/contract/grants';
import { type Synthesized, synthesized } from '../support/synth';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
interface Resource {
  Type: string;
  Properties?: Record<string, Json>;
  DeletionPolicy?: string;
  UpdateReplacePolicy?: string;
}
interface Statement {
  Sid?: string;
  Effect: string;
  Principal?: Json;
  Action: string | string[];
  Resource: Json;
  Condition?: Json;
}

/** Every KMS operation that uses a key (rather than manages it), and `CreateGrant`, which hands use on. */
const USE_OPERATIONS = [
  'Encrypt',
  'Decrypt',
  'ReEncryptFrom',
  'ReEncryptTo',
  'GenerateDataKey',
  'GenerateDataKeyWithoutPlaintext',
  'GenerateDataKeyPair',
  'GenerateDataKeyPairWithoutPlaintext',
  'GenerateMac',
  'VerifyMac',
  'Sign',
  'Verify',
  'DeriveSharedSecret',
  'CreateGrant',
];

let synth: Synthesized;
let resources: Record<string, Resource>;
let id: (construct: { node: { defaultChild?: unknown } } | undefined) => string;

beforeAll(() => {
  synth = synthesized();
  resources = synth.template.toJSON().Resources as Record<string, Resource>;
  id = (construct) => Stack.of(synth.stack).getLogicalId(construct?.node.defaultChild as CfnResource);
});

/** Whether an action pattern (`kms:Get*`, `kms:*`, `*`) covers one KMS operation. */
function covers(pattern: string, operation: string): boolean {
  const regex = new RegExp(`^${pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replaceAll('*', '.*')}$`, 'i');
  return regex.test(`kms:${operation}`);
}

const usesKeys = (statement: Statement) =>
  [statement.Action].flat().some((action) => USE_OPERATIONS.some((operation) => covers(action, operation)));

function keyPolicy(): Statement[] {
  const key = resources[id(synth.stack.userFiles.sessionKey)];
  const policy = key?.Properties?.KeyPolicy as unknown as { Statement: Statement[] } | undefined;
  if (!policy) throw new Error('the session key has a key policy');
  return policy.Statement;
}

describe('session store', () => {
  it('table: partition key id (string), on demand, encrypted, items expire at expiresAt, kept by default', () => {
    const table = resources[id(synth.stack.userFiles.sessionTable)];
    expect(table?.Type).toBe('AWS::DynamoDB::Table');
    expect(table?.Properties?.KeySchema).toEqual([{ AttributeName: 'id', KeyType: 'HASH' }]);
    expect(table?.Properties?.AttributeDefinitions).toEqual([{ AttributeName: 'id', AttributeType: 'S' }]);
    expect(table?.Properties?.BillingMode).toBe('PAY_PER_REQUEST');
    expect(table?.Properties?.TimeToLiveSpecification).toEqual({ AttributeName: 'expiresAt', Enabled: true });
    expect(table?.Properties?.SSESpecification).toEqual({ SSEEnabled: true });
    // Ephemeral items: no point-in-time recovery (acknowledged to cdk-nag with the reason).
    expect(table?.Properties?.PointInTimeRecoverySpecification).toBeUndefined();
    expect(table?.DeletionPolicy).toBe('Retain');
    expect(table?.UpdateReplacePolicy).toBe('Retain');
  });

  it('key: symmetric, rotated, described, kept by default', () => {
    const key = resources[id(synth.stack.userFiles.sessionKey)];
    expect(key?.Type).toBe('AWS::KMS::Key');
    expect(key?.Properties?.EnableKeyRotation).toBe(true);
    expect(key?.Properties?.KeySpec).toBeUndefined();
    expect(String(key?.Properties?.Description)).toMatch(/session store/);
    expect(key?.DeletionPolicy).toBe('Retain');
  });

  it('key policy: the account manages the key; only the API function role uses it, for session data keys only', () => {
    const roleArn = { 'Fn::GetAtt': [id(synth.stack.userFiles.handlerRole), 'Arn'] };
    const context = Object.fromEntries(
      Object.entries(SESSION_KEY_CONTEXT).map(([name, value]) => [`kms:EncryptionContext:${name}`, value]),
    );
    expect(keyPolicy()).toEqual([
      {
        Sid: 'AccountManagesButDoesNotUse',
        Effect: 'Allow',
        Principal: { AWS: expect.objectContaining({ 'Fn::Join': expect.anything() }) },
        Action: SESSION_KEY_ADMIN_ACTIONS,
        Resource: '*',
      },
      {
        Sid: 'ApiFunctionUsesForSessions',
        Effect: 'Allow',
        Principal: { AWS: roleArn },
        Action: kmsActions(SESSION_KEY_GRANTS.api),
        Resource: '*',
        Condition: { StringEquals: context },
      },
    ]);
    expect(JSON.stringify(keyPolicy()[0]?.Principal)).toContain(':root');
  });

  it('no principal but the API function role can use the key: not the account, not through a grant', () => {
    for (const statement of keyPolicy()) {
      const others =
        JSON.stringify(statement.Principal) !==
        JSON.stringify({ AWS: { 'Fn::GetAtt': [id(synth.stack.userFiles.handlerRole), 'Arn'] } });
      if (others) expect(usesKeys(statement), statement.Sid).toBe(false);
    }
    // The check itself: the patterns CDK's default policy and its admin grant use do cover use.
    expect(usesKeys({ Effect: 'Allow', Action: 'kms:*', Resource: '*' })).toBe(true);
    expect(usesKeys({ Effect: 'Allow', Action: ['kms:Create*'], Resource: '*' })).toBe(true);
    expect(usesKeys({ Effect: 'Allow', Action: SESSION_KEY_ADMIN_ACTIONS, Resource: '*' })).toBe(false);
  });

  it("no IAM policy but the API function role's allows a KMS action that uses keys", () => {
    const roleRef = JSON.stringify({ Ref: id(synth.stack.userFiles.handlerRole) });
    const holders = Object.entries(resources).flatMap(([logicalId, resource]) => {
      const documents =
        resource.Type === 'AWS::IAM::Policy'
          ? [resource.Properties?.PolicyDocument]
          : resource.Type === 'AWS::IAM::Role'
            ? ((resource.Properties?.Policies as { PolicyDocument: Json }[] | undefined) ?? []).map(
                (policy) => policy.PolicyDocument,
              )
            : [];
      const statements = documents.flatMap(
        (document) => (document as unknown as { Statement: Statement[] }).Statement,
      );
      return statements.some(usesKeys) ? [[logicalId, JSON.stringify(resource.Properties?.Roles)]] : [];
    });
    expect(holders).toHaveLength(1);
    expect(holders[0]?.[1]).toBe(`[${roleRef}]`);
  });
});
