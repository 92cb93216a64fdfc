/**
 * CDK app entry (`cdk.json`: `npx tsx bin/app.ts`). Resources live in `lib/`; this file only
 * creates the App. Options come from context, e.g.
 * `npx cdk deploy -c allowedOrigins=https://app.example.com -c removalPolicy=retain`.
 */
import { App } from 'aws-cdk-lib';
import { buildUserFilesApp } from '../lib/user-files-app';

buildUserFilesApp(new App());
