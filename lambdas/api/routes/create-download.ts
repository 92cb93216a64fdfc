import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import * as z from 'zod';
import type { components } from '../../../shared/api/schema';
import { resolveLifetime } from '../../../shared/domain/expiry';
import type { CallerGroups } from '../../../shared/domain/groups';
import { type Folder, keyIn, resolveFolder } from '../../../shared/domain/keys';
import { inlineSafeType } from '../../../shared/domain/media-types';
import type { ScanSettings } from '../../../shared/domain/scan';
import type { IdentitySession } from '../../aws/identity';
import type { Storage } from '../../aws/storage';
import type { Config } from '../config';
import type { AppDeps } from '../deps';
import { contentDisposition } from '../http/content-disposition';
import { publicUrlField } from '../http/public-url';
import { authenticate, parseBody } from '../http/request';
import { json } from '../http/response';
import { headWithScan, scanField, scanningOf, servableScan } from './scan-status';
import { anyLevel, grantee, group, key, owner } from './schemas';
import { folderFields } from './where';

type PresignedRequest = components['schemas']['PresignedRequest'];

export const DownloadBody = z.strictObject({
  level: anyLevel,
  key,
  owner: owner.optional(),
  grantee: grantee.optional(),
  group: group.optional(),
  expiresIn: z.number({ error: 'must be a number of seconds' }).optional(),
  filename: z.string({ error: 'must be a string' }).optional(),
  inline: z.boolean({ error: 'must be true or false' }).optional(),
});
export type DownloadInput = z.output<typeof DownloadBody>;

/** One download, checked and resolved: everything but the signature. */
export interface PreparedDownload {
  readonly input: DownloadInput;
  readonly folder: Folder;
  readonly fullKey: string;
  readonly lifetimeSeconds: number;
  readonly attachment: string;
  /** Malware scanning's settings when they hold this key until it is scanned clean. */
  readonly scanning?: ScanSettings;
}

/** The rules of a download that need not know the caller: lifetime and filename. */
export function downloadRules(config: Config, input: DownloadInput) {
  const lifetimeSeconds = resolveLifetime(input.expiresIn, {
    defaultSeconds: config.defaultUrlLifetimeSeconds,
    maxSeconds: config.maxUrlLifetimeSeconds,
  });
  // Built now so a bad filename is refused before any AWS call.
  const attachment = contentDisposition('attachment', input.filename);
  return { lifetimeSeconds, attachment };
}

/**
 * Every rule of a download that needs no storage call, for the caller's identity: lifetime,
 * filename, folder and key. Throws the input error naming the field at fault.
 */
export function prepareDownload(
  config: Config,
  caller: { readonly identityId: string; readonly groups: CallerGroups },
  input: DownloadInput,
  rules = downloadRules(config, input),
): PreparedDownload {
  const folder = resolveFolder(input.level, caller.identityId, input, caller.groups);
  const fullKey = keyIn(folder, input.key);
  const scanning = scanningOf(config, fullKey);
  return { input, folder, fullKey, ...rules, ...(scanning === undefined ? {} : { scanning }) };
}

/** Whether signing the download makes a storage call (a HEAD for `inline`, a tag read when scanned). */
export const callsStorage = (prepared: PreparedDownload): boolean =>
  prepared.input.inline === true || prepared.scanning !== undefined;

/**
 * Signs a prepared download with the caller's session. Without `inline`, no HEAD: the URL itself
 * is the check (storage answers 403/404 to the download), and the caller's credentials decide what
 * it may read. With `inline`, one HEAD reads the object's type, and only a type that cannot run
 * script is signed inline, with that type pinned as `response-content-type` so an owner who
 * replaces the object with HTML later still cannot get it rendered through this URL. Active content
 * (HTML, SVG, XML, JavaScript) and unknown types stay attachments. A scanned key's tag is read first:
 * a URL storage would refuse (not scanned clean yet, or never) is not signed but answered as a 409.
 */
export async function signDownload(
  storage: Storage,
  session: IdentitySession,
  prepared: PreparedDownload,
): Promise<PresignedRequest> {
  const { input, folder, fullKey, lifetimeSeconds } = prepared;
  // Inline needs the type: the HEAD and the tag read run together (the scan problem wins).
  const { scan, safeType } = input.inline
    ? await headWithScan(prepared.scanning, storage, session, fullKey).then((read) => ({
        scan: read.scan,
        safeType: inlineSafeType(read.properties.contentType),
      }))
    : { scan: await servableScan(prepared.scanning, storage, session, fullKey), safeType: undefined };
  const presigned = await storage.presignGet(session, {
    key: fullKey,
    lifetimeSeconds,
    ...(safeType === undefined
      ? { contentDisposition: prepared.attachment }
      : { contentDisposition: contentDisposition('inline', input.filename), contentType: safeType }),
  });
  return {
    method: 'GET',
    url: presigned.url,
    headers: {},
    expiresAt: presigned.expiresAt.toISOString(),
    level: input.level,
    ...folderFields(folder),
    key: input.key,
    ...scanField(scan),
  };
}

/** `POST /files/downloads`: a presigned GET for the caller's object or another owner's readable one. */
export function createDownloadRoute({ config, identity, storage }: AppDeps) {
  return async (event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> => {
    const caller = authenticate(event, config.userPoolClientIds);
    const input = parseBody(event, DownloadBody);
    const rules = downloadRules(config, input);
    const callerId = await identity.identityId(caller);
    const who = { identityId: callerId, groups: identity.groupsOf(caller) };
    const prepared = prepareDownload(config, who, input, rules);
    const body = await identity.withSession(
      caller,
      { lifetimeSeconds: prepared.lifetimeSeconds },
      async (session) => {
        await storage.checkCredentials(session);
        return signDownload(storage, session, prepared);
      },
    );
    return json(201, { ...body, ...publicUrlField(event, identity.guest !== undefined, body) });
  };
}
