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
import { ALL_LEVELS } from '../shared/domain/keys';
import type { Quota } from '../shared/domain/quota';
import { buildEventsFunctionPolicy } from '../shared/policy/events-policy';
import { BUNDLED_FUNCTION, BUNDLING, PROJECT_ROOT } from './bundled-function';

export interface StorageEventsProps {
  readonly bucket: s3.Bucket;
  /** The API function's `UPLOAD_RULES` and `MAX_UPLOAD_BYTES`: both functions apply the same rules. */
  readonly uploadRulesJson?: string;
  readonly maxUploadBytes: number;
  /** Per-user quota; a field left out is no limit. */
  readonly quota: Quota;
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
  /** The variables the API function needs to reserve uploads and report usage. */
  public readonly apiEnvironment: Readonly<Record<string, string>>;

  constructor(scope: Construct, id: string, props: StorageEventsProps) {
    super(scope, id);
    const { bucket, quota, removalPolicy } = props;
    validateQuota(quota);

    this.ledger = new dynamodb.Table(this, 'Ledger', {
      partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
      sortKey: { name: 'sk', type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
      // Reservations and rejection records expire on their own.
      timeToLiveAttribute: 'expiresAt',
      removalPolicy,
    });

    const timeout = Duration.seconds(30);
    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetters', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    // SSE-SQS, not KMS: S3 can deliver to it without a key policy.
    this.queue = new sqs.Queue(this, 'Queue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      visibilityTimeout: timeout.plus(Duration.seconds(timeout.toSeconds() * 5)),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: 5 },
    });
    this.deadLetterAlarm = new cloudwatch.Alarm(this, 'DeadLettersAlarm', {
      alarmDescription: 'Storage events failed 5 times and wait in the dead-letter queue: usage may drift.',
      metric: this.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1) }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });

    // The notification is set on the bucket itself instead of with addEventNotification, whose
    // custom resource is another function with S3 rights. S3 checks the queue policy when the
    // configuration is set, hence the dependency; the policy names the account, not the bucket,
    // which would make a cycle.
    this.queue.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'BucketEvents',
        principals: [new iam.ServicePrincipal('s3.amazonaws.com')],
        actions: ['sqs:SendMessage'],
        resources: [this.queue.queueArn],
        conditions: { StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID } },
      }),
    );
    // enforceSSL already made the queue's one policy; a second QueuePolicy would replace it.
    const queuePolicy = this.queue.node.findChild('Policy');
    const cfnBucket = bucket.node.defaultChild as s3.CfnBucket;
    cfnBucket.addPropertyOverride('NotificationConfiguration.QueueConfigurations', [
      { Event: 's3:ObjectCreated:*', Queue: this.queue.queueArn },
      { Event: 's3:ObjectRemoved:*', Queue: this.queue.queueArn },
    ]);
    cfnBucket.node.addDependency(queuePolicy);

    this.logGroup = new logs.LogGroup(this, 'Logs', { retention: props.logRetention, removalPolicy });
    this.role = new iam.Role(this, 'Role', {
      description: 'User Files events function: reads and removes uploaded objects, keeps the usage ledger.',
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      inlinePolicies: {
        Objects: iam.PolicyDocument.fromJson(buildEventsFunctionPolicy(bucket.bucketArn)),
      },
    });
    this.logGroup.grantWrite(this.role);
    this.ledger.grant(
      this.role,
      'dynamodb:GetItem',
      'dynamodb:Query',
      'dynamodb:PutItem',
      'dynamodb:UpdateItem',
      'dynamodb:DeleteItem',
    );
    const cfnBucketLogicalId = Stack.of(this).getLogicalId(cfnBucket);
    Validations.of(this.role).acknowledge(
      ...ALL_LEVELS.map((level) => ({
        id: `AwsSolutions-IAM5[Resource::<${cfnBucketLogicalId}.Arn>/${level}/*]`,
        reason:
          'Every object of one level: the function inspects and removes whatever any owner uploads there, so it cannot be narrowed to one key.',
      })),
    );

    const apiEnvironment: Record<string, string> = {
      LEDGER_TABLE: this.ledger.tableName,
      ...(quota.bytes === undefined ? {} : { QUOTA_BYTES: String(quota.bytes) }),
      ...(quota.objects === undefined ? {} : { QUOTA_OBJECTS: String(quota.objects) }),
    };
    this.apiEnvironment = apiEnvironment;

    this.function = new NodejsFunction(this, 'Function', {
      ...BUNDLED_FUNCTION,
      entry: join(PROJECT_ROOT, 'lambdas', 'events', 'handler.ts'),
      memorySize: 512,
      timeout,
      role: this.role,
      logGroup: this.logGroup,
      environment: {
        BUCKET_NAME: bucket.bucketName,
        MAX_UPLOAD_BYTES: String(props.maxUploadBytes),
        ...(props.uploadRulesJson === undefined ? {} : { UPLOAD_RULES: props.uploadRulesJson }),
        ...apiEnvironment,
        NODE_OPTIONS: '--enable-source-maps',
      },
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
    this.ledger.grant(
      role,
      'dynamodb:GetItem',
      'dynamodb:Query',
      'dynamodb:PutItem',
      'dynamodb:UpdateItem',
      'dynamodb:BatchWriteItem',
    );
  }
}

function validateQuota(quota: Quota): void {
  for (const [name, value] of Object.entries(quota)) {
    if (value !== undefined && (!Number.isSafeInteger(value) || value < 0)) {
      throw new Error(`UserFilesApi: quota.${name} must be a whole number (got ${value}).`);
    }
  }
}
