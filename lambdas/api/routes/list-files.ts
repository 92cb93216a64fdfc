import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import * as z from 'zod';
import type { components } from '../../../shared/api/schema';
import { decodeCursor, encodeCursor, MAX_CURSOR_LENGTH } from '../../../shared/domain/cursor';
import { NotFoundError, ValidationError } from '../../../shared/domain/errors';
import {
  type Folder,
  listedFolderIn,
  listedKeyIn,
  listPrefixIn,
  resolveFolder,
} from '../../../shared/domain/keys';
import type { ScanStatus } from '../../../shared/domain/scan';
import { forEachConcurrently } from '../../aws/concurrent';
import type { IdentitySession } from '../../aws/identity';
import type { ListPage, Storage } from '../../aws/storage';
import type { Config } from '../config';
import type { AppDeps } from '../deps';
import { publicUrlFields } from '../http/public-url';
import { authenticate, parseQuery } from '../http/request';
import { json } from '../http/response';
import { scanField, scanningOf } from './scan-status';
import { anyLevel, grantee, group, owner, queryInteger } from './schemas';
import { folderFields } from './where';

type FileList = components['schemas']['FileList'];

const DEFAULT_LIST_LIMIT = 100;
const MAX_LIST_LIMIT = 1000;
/** Scan-tag reads in flight at once for a listing with `scan=true`. */
const SCAN_READ_CONCURRENCY = 8;

/** The listing fields of a query, as both listing routes take them. */
export const ListingQuery = {
  prefix: z.string().max(1024, 'must be at most 1024 characters').optional(),
  delimiter: z.literal('/', { error: 'must be "/" or omitted' }).optional(),
  limit: queryInteger(1, MAX_LIST_LIMIT).optional(),
  cursor: z.string().min(1, 'must not be empty').max(MAX_CURSOR_LENGTH, 'is too long').optional(),
};

const Query = z.strictObject({
  level: anyLevel,
  owner: owner.optional(),
  grantee: grantee.optional(),
  group: group.optional(),
  ...ListingQuery,
  scan: z.enum(['true', 'false'], { error: 'must be true or false' }).optional(),
});

type Listing = Pick<z.output<typeof Query>, 'prefix' | 'delimiter' | 'limit' | 'cursor'>;
type WithSession = <T>(work: (session: IdentitySession) => Promise<T>) => Promise<T>;
type Scans = ReadonlyMap<string, ScanStatus>;

export interface ListOptions {
  /** Adds each item's permanent link, where the folder has them. */
  readonly linkOf?: (key: string) => { publicUrl?: string };
  /** Reads each listed object's scan status (one tag read each) where the deployment scans its key. */
  readonly scans?: Pick<Config, 'malwareScanning'>;
}

/**
 * The scan status of each listed object in a scanned prefix, a few reads at a time, by full key.
 * An object deleted since the listing has none.
 */
async function readScans(
  config: Pick<Config, 'malwareScanning'>,
  storage: Storage,
  session: IdentitySession,
  keys: readonly string[],
): Promise<Scans> {
  const scans = new Map<string, ScanStatus>();
  const scanned = keys.filter((key) => scanningOf(config, key) !== undefined);
  await forEachConcurrently(scanned, SCAN_READ_CONCURRENCY, async (key) => {
    try {
      scans.set(key, await storage.scanStatus(session, key));
    } catch (error) {
      if (!(error instanceof NotFoundError)) throw error;
    }
  });
  return scans;
}

/** One page of one folder, read with the session `withSession` gives (the caller's, or the guest's). */
export async function listFolder(
  storage: Storage,
  withSession: WithSession,
  folder: Folder,
  query: Listing,
  options: ListOptions = {},
): Promise<FileList> {
  const relativePrefix = query.prefix ?? '';
  const prefix = listPrefixIn(folder, relativePrefix);
  // In `shared` the cursor is bound to both identities, so it cannot be replayed on another share.
  const scopeOwner = folder.grantee === undefined ? folder.owner : `${folder.owner}/${folder.grantee}`;
  const scope = { level: folder.level, owner: scopeOwner, prefix: relativePrefix };
  const continuationToken = query.cursor === undefined ? undefined : decodeCursor(query.cursor, scope);

  const { page, scans } = await withSession(async (session) => {
    let page: ListPage;
    try {
      page = await storage.list(session, {
        prefix,
        delimiter: query.delimiter,
        maxKeys: query.limit ?? DEFAULT_LIST_LIMIT,
        continuationToken,
      });
    } catch (error) {
      // S3 refuses a continuation token it did not issue: the cursor was forged, not our fault.
      if (continuationToken !== undefined && (error as { name?: unknown })?.name === 'InvalidArgument') {
        throw ValidationError.of('cursor', 'was not accepted by storage; start the listing again');
      }
      throw error;
    }
    if (options.scans === undefined) return { page, scans: new Map() as Scans };
    // Only keys that will be listed: an omitted one is never passed on in any form.
    const listed = page.objects
      .map((object) => object.key)
      .filter((key) => listedKeyIn(folder, key) !== undefined);
    return { page, scans: await readScans(options.scans, storage, session, listed) };
  });

  const body: FileList = {
    level: folder.level,
    ...folderFields(folder),
    prefix: relativePrefix,
    ...listedEntries(folder, page, { linkOf: options.linkOf ?? (() => ({})), scans }),
  };
  if (page.nextToken !== undefined) body.nextCursor = encodeCursor(page.nextToken, scope);
  return body;
}

/**
 * Keys written around the API (with the owner's own credentials, straight to storage) may break
 * the key rules; they are left out and counted, never passed on as keys.
 */
function listedEntries(
  folder: Folder,
  page: ListPage,
  extra: { readonly linkOf: (key: string) => { publicUrl?: string }; readonly scans: Scans },
): Pick<FileList, 'items' | 'folders' | 'omitted'> {
  const items: FileList['items'] = [];
  const folders: string[] = [];
  let omitted = 0;
  for (const object of page.objects) {
    const key = listedKeyIn(folder, object.key);
    if (key === undefined) omitted += 1;
    else
      items.push({
        key,
        size: object.size,
        lastModified: object.lastModified.toISOString(),
        etag: object.etag,
        ...extra.linkOf(key),
        ...scanField(extra.scans.get(object.key)),
      });
  }
  for (const prefix of page.folders) {
    const sub = listedFolderIn(folder, prefix);
    if (sub === undefined) omitted += 1;
    else folders.push(sub);
  }
  return { items, folders, omitted };
}

/** `GET /files`: one page of one owner's folder; with `scan=true`, each file's scan status. */
export function createListFilesRoute({ config, identity, storage }: AppDeps) {
  return async (event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> => {
    const caller = authenticate(event, config.userPoolClientIds);
    const query = parseQuery(event, Query);
    const callerId = await identity.identityId(caller);
    const folder = resolveFolder(query.level, callerId, query, identity.groupsOf(caller));
    const linkOf = publicUrlFields(event, identity.guest !== undefined);
    const body = await listFolder(storage, (work) => identity.withSession(caller, {}, work), folder, query, {
      linkOf: (key) => linkOf({ level: folder.level, owner: folder.owner, key }),
      ...(query.scan === 'true' ? { scans: config } : {}),
    });
    return json(200, body);
  };
}
