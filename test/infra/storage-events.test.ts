/**
 * The storage-events part of the synthesized stack: the events function is the only function with
 * S3 rights (exactly GetObject and DeleteObject in the owners' folders), the bucket notifies the
 * queue directly, the queue has a DLQ with an alarm, and the function reports partial batch failures.
 */
import { type CfnResource, Stack } from 'aws-cdk-lib';
import { beforeAll, describe, expect, it } from 'vitest';
import { type Synthesized, synthesized } from '../support/synth';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
interface Resource {
  Type: string;
  Properties?: Record<string, Json>;
  DependsOn?: string[];
}
interface Statement {
  Effect: string;
  Action: string | string[];
  Resource: Json;
}

let synth: Synthesized;
let resources: Record<string, Resource>;
let id: (construct: { node: { defaultChild?: unknown } }) => string;

beforeAll(() => {
  synth = synthesized();
  resources = synth.template.toJSON().Resources as Record<string, Resource>;
  id = (construct) => Stack.of(synth.stack).getLogicalId(construct.node.defaultChild as CfnResource);
});

/** Every statement of a role: inline policies and attached AWS::IAM::Policy resources. */
function statementsOf(roleId: string): Statement[] {
  const role = resources[roleId];
  const documents = [
    ...(
      (role?.Properties?.Policies as { PolicyDocument: { Statement: Statement[] } }[] | undefined) ?? []
    ).map((policy) => policy.PolicyDocument),
    ...Object.values(resources)
      .filter(
        (r) => r.Type === 'AWS::IAM::Policy' && JSON.stringify(r.Properties?.Roles).includes(`"${roleId}"`),
      )
      .map((r) => r.Properties?.PolicyDocument as unknown as { Statement: Statement[] }),
  ];
  return documents.flatMap((document) => document.Statement);
}

describe('storage events', () => {
  it("the events function's role: GetObject and DeleteObject in every level (shares and groups too), the ledger, its queue and logs", () => {
    const events = synth.stack.userFiles.storageEvents;
    const statements = statementsOf(id(events.role));
    expect(resources[id(events.role)]?.Properties?.ManagedPolicyArns).toBeUndefined();
    const s3 = statements.filter((s) => [s.Action].flat().some((a) => a.startsWith('s3:')));
    const bucketArn = { 'Fn::GetAtt': [id(synth.stack.userFiles.bucket), 'Arn'] };
    expect(s3).toEqual([
      {
        Sid: 'InspectAndRemoveOwnersObjects',
        Effect: 'Allow',
        Action: ['s3:GetObject', 's3:DeleteObject'],
        Resource: ['private', 'protected', 'public', 'groups', 'shared'].map((level) => ({
          'Fn::Join': ['', [bucketArn, `/${level}/*`]],
        })),
      },
    ]);
    const actions = statements.flatMap((s) => [s.Action].flat()).sort();
    expect(actions).toEqual([
      'dynamodb:DeleteItem',
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:Query',
      'dynamodb:UpdateItem',
      'logs:CreateLogStream',
      'logs:PutLogEvents',
      's3:DeleteObject',
      's3:GetObject',
      'sqs:ChangeMessageVisibility',
      'sqs:DeleteMessage',
      'sqs:GetQueueAttributes',
      'sqs:GetQueueUrl',
      'sqs:ReceiveMessage',
    ]);
  });

  it('no other function role has any S3 permission', () => {
    const functionRoles = Object.values(resources)
      .filter((r) => r.Type === 'AWS::Lambda::Function')
      .map((r) =>
        String((r.Properties?.Role as { 'Fn::GetAtt'?: [string, string] } | undefined)?.['Fn::GetAtt']?.[0]),
      );
    const eventsRole = id(synth.stack.userFiles.storageEvents.role);
    expect(functionRoles).toContain(eventsRole);
    for (const roleId of functionRoles.filter((role) => role !== eventsRole)) {
      const actions = statementsOf(roleId).flatMap((s) => [s.Action].flat());
      expect(actions.filter((action) => /^s3:|^\*$/i.test(action))).toEqual([]);
    }
  });

  it('the bucket notifies the queue of created and removed objects, after the queue policy lets it', () => {
    const events = synth.stack.userFiles.storageEvents;
    const bucket = resources[id(synth.stack.userFiles.bucket)];
    const queueArn = { 'Fn::GetAtt': [id(events.queue), 'Arn'] };
    expect(bucket?.Properties?.NotificationConfiguration).toEqual({
      QueueConfigurations: [
        { Event: 's3:ObjectCreated:*', Queue: queueArn },
        { Event: 's3:ObjectRemoved:*', Queue: queueArn },
      ],
    });
    // One policy for the queue (a second would replace the first), allowing S3 and denying plain HTTP.
    const policies = Object.entries(resources).filter(
      ([, r]) =>
        r.Type === 'AWS::SQS::QueuePolicy' && JSON.stringify(r.Properties?.Queues).includes(id(events.queue)),
    );
    expect(policies).toHaveLength(1);
    const [policyId, policy] = policies[0] ?? [];
    expect(bucket?.DependsOn).toContain(policyId);
    const document = policy?.Properties?.PolicyDocument as unknown as { Statement: Statement[] } | undefined;
    const statements = document?.Statement ?? [];
    expect(statements.map((s) => [s.Effect, s.Action])).toEqual([
      ['Deny', 'sqs:*'],
      ['Allow', 'sqs:SendMessage'],
    ]);
    // No custom resource (another function with S3 rights) configures notifications.
    expect(Object.values(resources).filter((r) => r.Type === 'Custom::S3BucketNotifications')).toEqual([]);
  });

  it('retries through SQS into a DLQ with an alarm, and reports partial batch failures', () => {
    const events = synth.stack.userFiles.storageEvents;
    const queue = resources[id(events.queue)];
    expect(queue?.Properties?.RedrivePolicy).toEqual({
      deadLetterTargetArn: { 'Fn::GetAtt': [id(events.deadLetterQueue), 'Arn'] },
      maxReceiveCount: 5,
    });
    expect(queue?.Properties?.SqsManagedSseEnabled).toBe(true);
    const alarm = resources[id(events.deadLetterAlarm)];
    expect(alarm?.Properties).toMatchObject({
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Namespace: 'AWS/SQS',
      Threshold: 1,
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [id(events.deadLetterQueue), 'QueueName'] } }],
    });
    const mapping = Object.values(resources).find((r) => r.Type === 'AWS::Lambda::EventSourceMapping');
    expect(mapping?.Properties).toMatchObject({
      EventSourceArn: { 'Fn::GetAtt': [id(events.queue), 'Arn'] },
      FunctionName: { Ref: id(events.function) },
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      BatchSize: 10,
    });
  });
});
