import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';

export interface FilesBucketProps {
  /** Browser origins that may GET, PUT and HEAD presigned URLs (validated literal origins). */
  readonly allowedOrigins: readonly string[];
  /** Whole days after which storage aborts a multipart upload that was never completed. */
  readonly incompleteUploadExpiryDays: number;
  /** Applies to both buckets; `DESTROY` also empties them. */
  readonly removalPolicy: RemovalPolicy;
}

/**
 * The bucket that holds every user's files, and the bucket that receives its server access logs.
 * Adds them to `scope` under the IDs they have always had, so a deployed stack keeps its data.
 * Object events are sent to the queue by `StorageEvents`, which owns that wiring.
 */
export class FilesBucket {
  /** Receives the storage bucket's server access logs. */
  public readonly accessLogsBucket: s3.Bucket;
  public readonly bucket: s3.Bucket;

  constructor(scope: Construct, props: FilesBucketProps) {
    const { removalPolicy } = props;
    const autoDeleteObjects = removalPolicy === RemovalPolicy.DESTROY;
    // Needs no access logs of its own: cdk-nag (S1) and S3 treat a log destination as the end of
    // the chain.
    this.accessLogsBucket = new s3.Bucket(scope, 'AccessLogsBucket', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      lifecycleRules: [{ expiration: Duration.days(365) }],
      removalPolicy,
      autoDeleteObjects,
    });
    this.bucket = new s3.Bucket(scope, 'Bucket', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      serverAccessLogsBucket: this.accessLogsBucket,
      serverAccessLogsPrefix: 'storage/',
      cors: [presignedUrlCors(props.allowedOrigins)],
      lifecycleRules: [
        {
          id: 'AbortIncompleteMultipartUploads',
          abortIncompleteMultipartUploadAfter: Duration.days(props.incompleteUploadExpiryDays),
        },
      ],
      removalPolicy,
      autoDeleteObjects,
    });
  }
}

function presignedUrlCors(allowedOrigins: readonly string[]): s3.CorsRule {
  return {
    allowedOrigins: [...allowedOrigins],
    allowedMethods: [s3.HttpMethods.GET, s3.HttpMethods.PUT, s3.HttpMethods.HEAD],
    // Presigned PUTs carry signed headers (Content-Type, checksums, If-None-Match) that vary per
    // upload; the signature, not CORS, is what restricts them.
    allowedHeaders: ['*'],
    // Multipart uploads need each part's ETag; checksums let clients verify uploads.
    exposedHeaders: ['ETag', 'x-amz-checksum-sha256'],
    maxAge: 3600,
  };
}
