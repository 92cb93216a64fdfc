/**
 * Incomplete multipart uploads do not live for ever: the storage bucket aborts them after the
 * construct's `incompleteUploadExpiryDays` (2 by default), which is how long a client may resume.
 */
import { App, type CfnResource, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { UserFilesApi, type UserFilesApiProps } from '../../lib/user-files-api';

const allowedOrigins = ['https://app.example.com'];

function bucketRules(props: Partial<UserFilesApiProps>): unknown {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new Stack(app, 'Test');
  const files = new UserFilesApi(stack, 'UserFiles', { allowedOrigins, ...props });
  const id = stack.getLogicalId(files.bucket.node.defaultChild as CfnResource);
  const bucket = Template.fromStack(stack).toJSON().Resources[id];
  return bucket.Properties.LifecycleConfiguration.Rules;
}

describe('storage bucket lifecycle', () => {
  it('aborts incomplete multipart uploads after 2 days by default', () => {
    expect(bucketRules({})).toEqual([
      {
        Id: 'AbortIncompleteMultipartUploads',
        AbortIncompleteMultipartUpload: { DaysAfterInitiation: 2 },
        Status: 'Enabled',
      },
    ]);
  });

  it('takes the number of days from incompleteUploadExpiryDays', () => {
    expect(bucketRules({ incompleteUploadExpiryDays: 5 })).toEqual([
      expect.objectContaining({ AbortIncompleteMultipartUpload: { DaysAfterInitiation: 5 } }),
    ]);
  });

  it.each([0, -1, 1.5, Number.NaN, 4000])('refuses %s days', (days) => {
    expect(() => bucketRules({ incompleteUploadExpiryDays: days })).toThrow(/incompleteUploadExpiryDays/);
  });
});
