/**
 * Shared helpers for the infrastructure tests that read a synthesized template's resources: their
 * JSON shapes, logical IDs, resources by type, a function's variables, and the construct built in a
 * throwaway stack.
 */
import { App, type CfnResource, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { expect } from 'vitest';
import { UserFilesApi, type UserFilesApiProps } from '../../lib/user-files-api';

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type Resources = Record<
  string,
  { Type: string; Properties?: Record<string, Json>; DependsOn?: string[] }
>;

export const logicalId = (stack: Stack, construct: { node: { defaultChild?: unknown } } | undefined) =>
  stack.getLogicalId(construct?.node.defaultChild as CfnResource);

export const ofType = (resources: Resources, type: string) =>
  Object.entries(resources).filter(([, resource]) => resource.Type === type);

/** A Lambda function's environment variables. */
export function variables(resources: Resources, functionId: string): Record<string, Json> {
  const fn = resources[functionId];
  expect(fn?.Type).toBe('AWS::Lambda::Function');
  return (fn?.Properties?.Environment as { Variables: Record<string, Json> } | undefined)?.Variables ?? {};
}

/** The construct in a throwaway stack (no synthesis, so no bundling and no cdk-nag). */
export function build(props: Partial<UserFilesApiProps>): { api: UserFilesApi; resources: Resources } {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const api = new UserFilesApi(new Stack(app, 'Test'), 'UserFiles', {
    allowedOrigins: ['https://app.example.com'],
    ...props,
  });
  return { api, resources: Template.fromStack(Stack.of(api)).toJSON().Resources as Resources };
}
