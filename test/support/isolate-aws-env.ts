// The e2e global setup runs the local stack inside vitest's main process and points the AWS SDK at it
// through AWS_ENDPOINT_URL_* variables, which every worker inherits. Suites that must never reach a
// network (or that bring their own endpoints) drop them, so results do not depend on which projects run.
for (const name of Object.keys(process.env)) {
  if (name.startsWith('AWS_ENDPOINT_URL')) delete process.env[name];
}
