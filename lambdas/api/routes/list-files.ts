import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import * as z from 'zod';
import type { components } from '../../../shared/api/schema';
import { decodeCursor, encodeCursor, MAX_CURSOR_LENGTH } from '../../../shared/domain/cursor';
import { ValidationError } from '../../../shared/domain/errors';
import {
  type Folder,
  listedFolderIn,
  listedKeyIn,
  listPrefixIn,
  resolveFolder,
} from '../../../shared/domain/keys';
import type { IdentitySession } from '../../aws/identity';
import type { ListPage, Storage } from '../../aws/storage';
import type { AppDeps } from '../deps';
import { publicUrlFields } from '../http/public-url';
import { authenticate, parseQuery } from '../http/request';
import { json } from '../http/response';
import { anyLevel, grantee, group, owner, queryInteger } from './schemas';
import { folderFields } from './where';

type FileList = components['schemas']['FileList'];

const DEFAULT_LIST_LIMIT = 100;
const MAX_LIST_LIMIT = 1000;

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
});

type Listing = Pick<z.output<typeof Query>, 'prefix' | 'delimiter' | 'limit' | 'cursor'>;
type WithSession = <T>(work: (session: IdentitySession) => Promise<T>) => Promise<T>;

/**
 * One page of one folder, read with the session `withSession` gives (the caller's, or the guest's).
 * `linkOf` adds each item's permanent link, where the folder has them.
 */
export async function listFolder(
  storage: Storage,
  withSession: WithSession,
  folder: Folder,
  query: Listing,
  linkOf: (key: string) => { publicUrl?: string } = () => ({}),
): Promise<FileList> {
  const relativePrefix = query.prefix ?? '';
  const prefix = listPrefixIn(folder, relativePrefix);
  // In `shared` the cursor is bound to both identities, so it cannot be replayed on another share.
  const scopeOwner = folder.grantee === undefined ? folder.owner : `${folder.owner}/${folder.grantee}`;
  const scope = { level: folder.level, owner: scopeOwner, prefix: relativePrefix };
  const continuationToken = query.cursor === undefined ? undefined : decodeCursor(query.cursor, scope);

  const page = await withSession(async (session) => {
    try {
      return await storage.list(session, {
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
  });

  const body: FileList = {
    level: folder.level,
    ...folderFields(folder),
    prefix: relativePrefix,
    ...listedEntries(folder, page, linkOf),
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
  linkOf: (key: string) => { publicUrl?: string },
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
        ...linkOf(key),
      });
  }
  for (const prefix of page.folders) {
    const sub = listedFolderIn(folder, prefix);
    if (sub === undefined) omitted += 1;
    else folders.push(sub);
  }
  return { items, folders, omitted };
}

/** `GET /files`: one page of one owner's folder. */
export function createListFilesRoute({ config, identity, storage }: AppDeps) {
  return async (event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> => {
    const caller = authenticate(event, config.userPoolClientIds);
    const query = parseQuery(event, Query);
    const callerId = await identity.identityId(caller);
    const folder = resolveFolder(query.level, callerId, query, identity.groupsOf(caller));
    const linkOf = publicUrlFields(event, identity.guest !== undefined);
    const body = await listFolder(
      storage,
      (work) => identity.withSession(caller, {}, work),
      folder,
      query,
      (key) => linkOf({ level: folder.level, owner: folder.owner, key }),
    );
    return json(200, body);
  };
}
