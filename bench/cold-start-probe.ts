/**
 * Runs in a fresh `node` process (built to plain JS first, so no TypeScript loader is timed):
 * imports the handler module named by argv[2], answers the event in the JSON file argv[3], and
 * prints one `COLD {...}` line with the times, in ms since the process started (performance's
 * time origin). Only Node built-ins are imported here.
 */
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

const [handlerPath, eventPath] = process.argv.slice(2);
if (!handlerPath || !eventPath) throw new Error('usage: cold-start-probe <handler.mjs> <event.json>');
const event: unknown = JSON.parse(readFileSync(eventPath, 'utf8'));
const context = {
  awsRequestId: 'c0ffee00-0000-4000-8000-00000000c01d',
  functionName: 'user-files-api',
  functionVersion: '$LATEST',
  invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:user-files-api',
  memoryLimitInMB: '1024',
  logGroupName: '/aws/lambda/user-files-api',
  logStreamName: 'cold-start',
  callbackWaitsForEmptyEventLoop: true,
  getRemainingTimeInMillis: () => 10_000,
};

type Handler = (event: unknown, context: unknown) => Promise<{ statusCode: number }>;

const started = performance.now();
const module = (await import(pathToFileURL(handlerPath).href)) as { handler: Handler };
const loaded = performance.now();
const result = await module.handler(event, context);
const answered = performance.now();
process.stdout.write(
  `COLD ${JSON.stringify({ bootMs: started, importMs: loaded - started, firstRequestMs: answered - loaded, totalMs: answered, status: result.statusCode })}\n`,
);
