import { Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { UserFilesApi } from '../../lib/user-files-api';

export class MyStack extends Stack {
  // files.bucket, files.userPool, files.identityPool, files.authenticatedRole, files.unauthenticatedRole, files.api, …
  readonly files: UserFilesApi;

  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);
    this.files = new UserFilesApi(this, 'Files', {
      allowedOrigins: ['https://app.example.com'],
      maxUploadBytes: 50 * 1024 * 1024, // the default of every level
      uploadRules: {
        // Each level optional; each rule optional (size: maxUploadBytes, types: any). Checked at synth.
        public: { maxUploadBytes: 10 * 1024 * 1024, allowedContentTypes: ['image/*', 'application/pdf'] },
      },
      defaultUrlLifetime: Duration.minutes(10),
      maxUrlLifetime: Duration.hours(1),
      removalPolicy: RemovalPolicy.RETAIN,
      throttlingRateLimit: 50,
      throttlingBurstLimit: 100,
      perUserRateLimit: { limit: 300, window: Duration.minutes(1) }, // or false
      guestAccess: true, // false: public files only for signed-in users, no unauthenticated role
      guestRateLimit: { limit: 300, window: Duration.minutes(1) }, // per client IP on /public/...; or false
      accessMode: 'sealed', // or 'direct'
      sessionDuration: Duration.hours(12), // 1–12 h: the role's MaxSessionDuration and the function's sessions
      incompleteUploadExpiryDays: 2, // storage aborts unfinished multipart uploads after this
      sessionStore: true, // false: no session table or KMS key; each instance mints its own sessions
      malwareScanning: false, // true (every object), or { prefixes: [...], onUnsupported: 'block' }: GuardDuty, billed per GB
    });
  }
}
