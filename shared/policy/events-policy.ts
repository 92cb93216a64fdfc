/**
 * The events function's only S3 rights: read an owner's object (the function reads just its first
 * bytes) and delete one that broke a rule. Built once, used by the CDK stack and by the local S3
 * gateway, like the authenticated role's policy.
 */
import { ALL_LEVELS } from '../domain/keys';
import type { PolicyDocument } from './access-policy';

export const EVENTS_FUNCTION_S3_ACTIONS = ['s3:GetObject', 's3:DeleteObject'] as const;

export function buildEventsFunctionPolicy(bucketArn: string): PolicyDocument {
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'InspectAndRemoveOwnersObjects',
        Effect: 'Allow',
        Action: [...EVENTS_FUNCTION_S3_ACTIONS],
        Resource: ALL_LEVELS.map((level) => `${bucketArn}/${level}/*`),
      },
    ],
  };
}
