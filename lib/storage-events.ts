import { join } from 'node:path';
import { Aws, Duration, type RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { type EventsSettings, type Written, writeEnvironment } from '../shared/contract/environment';
import { dynamoDbActions, TABLE_GRANTS } from '../shared/contract/grants';
import { ALL_LEVELS } from '../shared/domain/keys';
import type { Quota } from '../shared/domain/quota';
import { buildEventsFunctionPolicy } from '../shared/policy/events-policy';
import { BUNDLED_FUNCTION, BUNDLING, PROJECT_ROOT } from './bundled-function';
import type { ParsedUploadRules } from './validate-props';

/** The events function's timeout; the queue hides a message for six of them, as AWS advises for SQS sources. */
const FUNCTION_TIMEOUT = Duration.seconds(30);

export interface StorageEventsProps {
  /**
   * The files bucket whose object events are consumed; its notifications to the queue are set here
   * (with scanning, `MalwareScanning` also turns on its EventBridge notifications).
   */
  readonly bucket: s3.Bucket;
  /** The API function's upload rules and default size: both functions apply the same rules. */
  readonly uploadRules: ParsedUploadRules | undefined;
  readonly maxUploadBytes: number;
  /** Per-user quota (validated by `UserFilesApi`); a field left out is no limit. */
  readonly quota: Quota;
  /** Per-group quota (validated by `UserFilesApi`), for the team folders. */
  readonly groupQuota: Quota;
  /** Applies to the ledger and the log group. */
  readonly removalPolicy: RemovalPolicy;
  readonly logRetention: logs.RetentionDays;
}

/**
 * The bucket's object events (S3 event notifications to SQS) and the one function that consumes
 * them: the usage ledger, the checks after every upload, a DLQ with an alarm. The function is the
 * only one with S3 rights, and only `GetObject` and `DeleteObject` in the owners' folders.
 */
export class StorageEvents extends Construct {
  public readonly ledger: dynamodb.Table;
  public readonly queue: sqs.Queue;
  public readonly deadLetterQueue: sqs.Queue;
  public readonly deadLetterAlarm: cloudwatch.Alarm;
  public readonly role: iam.Role;
  public readonly logGroup: logs.LogGroup;
  public readonly function: NodejsFunction;

  constructor(scope: Construct, id: string, props: StorageEventsProps) {
    super(scope, id);
    const { bucket, removalPolicy } = props;
    this.ledger = ledgerTable(this, removalPolicy);
    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetters', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    // SSE-SQS, not KMS: S3 can deliver to it without a key policy.
    this.queue = new sqs.Queue(this, 'Queue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      visibilityTimeout: FUNCTION_TIMEOUT.plus(Duration.seconds(FUNCTION_TIMEOUT.toSeconds() * 5)),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: 5 },
    });
    this.deadLetterAlarm = deadLetterAlarm(this, this.deadLetterQueue);
    sendBucketEvents(bucket, this.queue);

    this.logGroup = new logs.LogGroup(this, 'Logs', { retention: props.logRetention, removalPolicy });
    this.role = eventsRole(this, bucket, this.logGroup, this.ledger);
    this.function = new NodejsFunction(this, 'Function', {
      ...BUNDLED_FUNCTION,
      entry: join(PROJECT_ROOT, 'lambdas', 'events', 'handler.ts'),
      memorySize: 512,
      timeout: FUNCTION_TIMEOUT,
      role: this.role,
      logGroup: this.logGroup,
      environment: eventsFunctionEnvironment(props, this.ledger),
      bundling: BUNDLING,
    });
    this.function.addEventSource(
      new SqsEventSource(this.queue, {
        batchSize: 10,
        maxBatchingWindow: Duration.seconds(1),
        reportBatchItemFailures: true,
      }),
    );
  }

  /**
   * What the API function may do on the ledger: read usage, rejections and the share index, write
   * reservations, and (BatchWriteItem) remove a user's whole partition for `DELETE /me/data`.
   */
  grantApi(role: iam.IGrantable): void {
    this.ledger.grant(role, ...dynamoDbActions(TABLE_GRANTS.api.ledger));
  }
}

/** Every variable the events function reads, written as the contract defines them. */
function eventsFunctionEnvironment(
  props: StorageEventsProps,
  ledger: dynamodb.Table,
): Record<string, string> {
  return {
    ...writeEnvironment({
      bucketName: props.bucket.bucketName,
      ledgerTable: ledger.tableName,
      maxUploadBytes: props.maxUploadBytes,
      uploadRules: props.uploadRules,
      quotaBytes: props.quota.bytes,
      quotaObjects: props.quota.objects,
      groupQuotaBytes: props.groupQuota.bytes,
      groupQuotaObjects: props.groupQuota.objects,
    } satisfies Written<EventsSettings>),
    NODE_OPTIONS: '--enable-source-maps',
  };
}

function ledgerTable(scope: Construct, removalPolicy: RemovalPolicy): dynamodb.Table {
  return new dynamodb.Table(scope, 'Ledger', {
    partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
    sortKey: { name: 'sk', type: dynamodb.AttributeType.STRING },
    billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
    pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
    encryption: dynamodb.TableEncryption.AWS_MANAGED,
    // Reservations and rejection records expire on their own.
    timeToLiveAttribute: 'expiresAt',
    removalPolicy,
  });
}

function deadLetterAlarm(scope: Construct, deadLetterQueue: sqs.Queue): cloudwatch.Alarm {
  return new cloudwatch.Alarm(scope, 'DeadLettersAlarm', {
    alarmDescription: 'Storage events failed 5 times and wait in the dead-letter queue: usage may drift.',
    metric: deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1) }),
    threshold: 1,
    evaluationPeriods: 1,
    comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
  });
}

/**
 * The notification is set on the bucket itself instead of with addEventNotification, whose custom
 * resource is another function with S3 rights. S3 checks the queue policy when the configuration
 * is set, hence the dependency; the policy names the account, not the bucket, which would make a
 * cycle.
 */
function sendBucketEvents(bucket: s3.Bucket, queue: sqs.Queue): void {
  queue.addToResourcePolicy(
    new iam.PolicyStatement({
      sid: 'BucketEvents',
      principals: [new iam.ServicePrincipal('s3.amazonaws.com')],
      actions: ['sqs:SendMessage'],
      resources: [queue.queueArn],
      conditions: { StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID } },
    }),
  );
  // enforceSSL already made the queue's one policy; a second QueuePolicy would replace it.
  const queuePolicy = queue.node.findChild('Policy');
  const cfnBucket = bucket.node.defaultChild as s3.CfnBucket;
  cfnBucket.addPropertyOverride('NotificationConfiguration.QueueConfigurations', [
    { Event: 's3:ObjectCreated:*', Queue: queue.queueArn },
    { Event: 's3:ObjectRemoved:*', Queue: queue.queueArn },
  ]);
  cfnBucket.node.addDependency(queuePolicy);
}

/** Reads and removes objects in every level, keeps the ledger, writes its own logs. */
function eventsRole(
  scope: Construct,
  bucket: s3.Bucket,
  logGroup: logs.LogGroup,
  ledger: dynamodb.Table,
): iam.Role {
  const role = new iam.Role(scope, 'Role', {
    description: 'User Files events function: reads and removes uploaded objects, keeps the usage ledger.',
    assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
    inlinePolicies: {
      Objects: iam.PolicyDocument.fromJson(buildEventsFunctionPolicy(bucket.bucketArn)),
    },
  });
  logGroup.grantWrite(role);
  ledger.grant(role, ...dynamoDbActions(TABLE_GRANTS.events.ledger));
  const cfnBucketLogicalId = Stack.of(scope).getLogicalId(bucket.node.defaultChild as s3.CfnBucket);
  Validations.of(role).acknowledge(
    ...ALL_LEVELS.map((level) => ({
      id: `AwsSolutions-IAM5[Resource::<${cfnBucketLogicalId}.Arn>/${level}/*]`,
      reason:
        'Every object of one level: the function inspects and removes whatever any owner uploads there, so it cannot be narrowed to one key.',
    })),
  );
  return role;
}
