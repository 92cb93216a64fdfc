import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import type { Node } from 'constructs';
import type { UserFilesApiProps } from './user-files-api';

/** Origin of the Vite dev server, so a fresh checkout deploys something a local web app can call. */
export const DEFAULT_ALLOWED_ORIGINS = ['http://localhost:5173'];

/**
 * The construct's props from CDK context (`cdk.json` or `-c key=value`):
 * `allowedOrigins` (comma-separated), `removalPolicy` (`retain` | `destroy`), `maxUploadBytes`,
 * `defaultUrlLifetimeSeconds`, `maxUrlLifetimeSeconds`, `uploadRules` (JSON, or an object in
 * `cdk.json`), `accessMode` (`sealed` | `direct`), `sessionDurationSeconds`, `incompleteUploadExpiryDays`,
 * `sessionStore` (`true` | `false`), `guestAccess` (`true` | `false`), `quota` and `groupQuota` (JSON
 * `{"bytes": …, "objects": …}`, or an object in `cdk.json`), `malwareScanning` (`true` | `false`, or
 * JSON `{"prefixes": […], "onUnsupported": …}`). Values from `-c` arrive as strings.
 * Unset keys keep the construct's defaults; the construct validates the values.
 */
export function userFilesPropsFromContext(node: Node): UserFilesApiProps {
  const origins = node.tryGetContext('allowedOrigins') as unknown;
  const removal = node.tryGetContext('removalPolicy') as unknown;
  const maxUploadBytes = optionalNumber(node, 'maxUploadBytes');
  const defaultSeconds = optionalNumber(node, 'defaultUrlLifetimeSeconds');
  const maxSeconds = optionalNumber(node, 'maxUrlLifetimeSeconds');
  const uploadRules = optionalJson(node, 'uploadRules');
  const incompleteUploadExpiryDays = optionalNumber(node, 'incompleteUploadExpiryDays');
  const sessionStore = optionalBoolean(node, 'sessionStore');
  const guestAccess = optionalBoolean(node, 'guestAccess');
  const malwareScanning = optionalScanning(node);
  return {
    allowedOrigins: origins === undefined ? DEFAULT_ALLOWED_ORIGINS : parseOrigins(origins),
    ...(removal === undefined ? {} : { removalPolicy: parseRemovalPolicy(removal) }),
    ...(maxUploadBytes === undefined ? {} : { maxUploadBytes }),
    ...(defaultSeconds === undefined ? {} : { defaultUrlLifetime: Duration.seconds(defaultSeconds) }),
    ...(maxSeconds === undefined ? {} : { maxUrlLifetime: Duration.seconds(maxSeconds) }),
    // The construct validates the shape and names the offending rule.
    ...(uploadRules === undefined ? {} : { uploadRules: uploadRules as UserFilesApiProps['uploadRules'] }),
    ...(incompleteUploadExpiryDays === undefined ? {} : { incompleteUploadExpiryDays }),
    ...(sessionStore === undefined ? {} : { sessionStore }),
    ...(guestAccess === undefined ? {} : { guestAccess }),
    ...(malwareScanning === undefined ? {} : { malwareScanning }),
    ...accessContext(node),
    ...quotaContext(node),
  };
}

/** `quota` and `groupQuota`; the construct validates the numbers. */
function quotaContext(node: Node): Pick<UserFilesApiProps, 'quota' | 'groupQuota'> {
  const quota = optionalQuota(node, 'quota');
  const groupQuota = optionalQuota(node, 'groupQuota');
  return {
    ...(quota === undefined ? {} : { quota }),
    ...(groupQuota === undefined ? {} : { groupQuota }),
  };
}

/** `{"bytes": …, "objects": …}`, either field optional; a misspelt field would silently be no limit. */
function optionalQuota(node: Node, key: string): UserFilesApiProps['quota'] {
  const value = optionalJson(node, key);
  if (value === undefined || isQuotaShape(value)) return value;
  throw new Error(
    `Context ${key} must be JSON like {"bytes": 1073741824, "objects": 1000} (got '${JSON.stringify(value)}').`,
  );
}

const isQuotaShape = (value: unknown): value is NonNullable<UserFilesApiProps['quota']> =>
  isPlainObject(value) &&
  Object.entries(value).every(
    ([field, limit]) => (field === 'bytes' || field === 'objects') && typeof limit === 'number',
  );

/** `true`/`false` as `guestAccess`, or the settings as JSON; the construct validates the settings. */
function optionalScanning(node: Node): UserFilesApiProps['malwareScanning'] {
  const key = 'malwareScanning';
  const value = node.tryGetContext(key) as unknown;
  const flag = booleanWord(value);
  if (flag !== undefined) return flag;
  const settings = parseJson(key, value);
  if (settings === undefined || isPlainObject(settings)) {
    return settings as UserFilesApiProps['malwareScanning'];
  }
  throw new Error(
    `Context malwareScanning must be true, false or JSON like {"prefixes": ["public/"], "onUnsupported": "block"} (got '${JSON.stringify(settings)}').`,
  );
}

/** `accessMode` and `sessionDurationSeconds`; the construct validates both. */
function accessContext(node: Node): Pick<UserFilesApiProps, 'accessMode' | 'sessionDuration'> {
  const mode = node.tryGetContext('accessMode') as unknown;
  const sessionSeconds = optionalNumber(node, 'sessionDurationSeconds');
  if (mode !== undefined && mode !== 'sealed' && mode !== 'direct') {
    throw new Error(`Context accessMode must be 'sealed' or 'direct' (got '${String(mode)}').`);
  }
  return {
    ...(mode === undefined ? {} : { accessMode: mode }),
    ...(sessionSeconds === undefined ? {} : { sessionDuration: Duration.seconds(sessionSeconds) }),
  };
}

function parseOrigins(value: unknown): string[] {
  const list = Array.isArray(value) ? value : typeof value === 'string' ? value.split(',') : undefined;
  if (!list?.every((item) => typeof item === 'string')) {
    throw new Error('Context allowedOrigins must be a comma-separated string or a list of strings.');
  }
  return list.map((origin) => origin.trim()).filter((origin) => origin !== '');
}

function parseRemovalPolicy(value: unknown): RemovalPolicy {
  switch (typeof value === 'string' ? value.toLowerCase() : value) {
    case 'retain':
      return RemovalPolicy.RETAIN;
    case 'destroy':
      return RemovalPolicy.DESTROY;
    default:
      throw new Error(`Context removalPolicy must be 'retain' or 'destroy' (got '${String(value)}').`);
  }
}

function optionalNumber(node: Node, key: string): number | undefined {
  const value = node.tryGetContext(key) as unknown;
  if (value === undefined) return undefined;
  const number =
    typeof value === 'number' ? value : typeof value === 'string' ? Number(value.trim()) : Number.NaN;
  if (!Number.isFinite(number) || (typeof value === 'string' && value.trim() === '')) {
    throw new Error(`Context ${key} must be a number (got '${String(value)}').`);
  }
  return number;
}

/** `true`/`false` from `cdk.json`, or the same words from `-c`. */
function optionalBoolean(node: Node, key: string): boolean | undefined {
  const value = node.tryGetContext(key) as unknown;
  if (value === undefined) return undefined;
  const flag = booleanWord(value);
  if (flag !== undefined) return flag;
  throw new Error(`Context ${key} must be true or false (got '${String(value)}').`);
}

/** A boolean, or the word `true` or `false` in any case, spaces around it ignored; else undefined. */
function booleanWord(value: unknown): boolean | undefined {
  if (typeof value === 'boolean') return value;
  const word = typeof value === 'string' ? value.trim().toLowerCase() : undefined;
  return word === 'true' || word === 'false' ? word === 'true' : undefined;
}

/** An object of fields: not null, not a list. */
function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function optionalJson(node: Node, key: string): unknown {
  return parseJson(key, node.tryGetContext(key) as unknown);
}

/** A string from `-c` parsed as JSON; anything else (a value from `cdk.json`, or none) as it is. */
function parseJson(key: string, value: unknown): unknown {
  if (typeof value !== 'string') return value;
  try {
    return JSON.parse(value) as unknown;
  } catch {
    throw new Error(`Context ${key} must be JSON (got '${value}').`);
  }
}
