import { useState } from 'preact/hooks';
import type { FilesClient } from '../../shared/api/client';
import type { Me, MyGroup } from './api';
import { FolderView } from './folder-view';
import { formatBytes } from './format';
import { GroupMembers } from './group-members';
import { Listing } from './listing';
import { RowButton } from './row-button';
import { useFolder } from './use-folder';

/**
 * Team folders: the caller's groups from `GET /me` (sealed mode only), and the folder of the one
 * opened, where every member reads, writes and deletes. Groups this session cannot reach
 * (`groupsBeyond`) are named in a note.
 */
export function GroupsPanel({ api, me, onChanged }: { api: FilesClient; me: Me; onChanged: () => void }) {
  const [open, setOpen] = useState<string>();
  const { groups, groupsBeyond = [] } = me;
  return (
    <section aria-labelledby="groups-heading" class="panel groups">
      <h2 id="groups-heading">Groups</h2>
      {groups === undefined ? (
        <p class="hint">
          Team folders need sealed mode: this deployment hands users their own storage credentials (direct
          mode), and group folders are reached only through the API.
        </p>
      ) : (
        <>
          <GroupList groups={groups} onOpen={setOpen} />
          {groups.length > 0 && <UploadRule rule={me.limits.uploads.groups} />}
          {groupsBeyond.length > 0 && (
            <p class="note" data-testid="groups-beyond">
              Also a member of {groupsBeyond.join(', ')}: beyond what this session can reach (past its group
              slots, or a name the API does not serve), so their folders are refused.
            </p>
          )}
          {open !== undefined && (
            <GroupFolder key={open} api={api} me={me} group={open} onChanged={onChanged} />
          )}
        </>
      )}
    </section>
  );
}

/** What `POST /files/uploads` accepts in a team folder. */
function UploadRule({ rule }: { rule: Me['limits']['uploads']['groups'] }) {
  const types = rule.allowedContentTypes ? rule.allowedContentTypes.join(', ') : 'any type';
  return (
    <p class="hint">
      Uploads to a team folder: at most {formatBytes(rule.maxUploadBytes)}, {types}. Every member reads,
      replaces and deletes every file in it.
    </p>
  );
}

const COLUMNS = ['Group', 'Stored', 'Quota'];

function quotaText(quota: MyGroup['quota']): string {
  const limits = [
    quota?.bytes === undefined ? undefined : formatBytes(quota.bytes),
    quota?.objects === undefined ? undefined : `${quota.objects} objects`,
  ].filter(Boolean);
  return limits.length === 0 ? 'none' : limits.join(', ');
}

/** The caller's groups, each with what its folder holds (with a usage ledger) and an Open button. */
function GroupList({ groups, onOpen }: { groups: readonly MyGroup[]; onOpen: (group: string) => void }) {
  return (
    <Listing
      columns={COLUMNS}
      busy={false}
      label="Your groups"
      empty={groups.length === 0 ? 'You are in no group.' : undefined}
    >
      {groups.map(({ name, usage, quota }) => (
        <tr key={name} data-group={name}>
          <td>{name}</td>
          <td>{usage ? `${formatBytes(usage.bytes)} in ${usage.objects} files` : '—'}</td>
          <td>{usage ? quotaText(quota) : '—'}</td>
          <td class="actions">
            <RowButton label="Open" target={name} onClick={() => onOpen(name)} />
          </td>
        </tr>
      ))}
    </Listing>
  );
}

/** One group's members and its folder, browsed like any other. */
function GroupFolder({
  api,
  me,
  group,
  onChanged,
}: {
  api: FilesClient;
  me: Me;
  group: string;
  onChanged: () => void;
}) {
  const folder = useFolder(api, me, onChanged, { level: 'groups', group, prefix: '' });
  return (
    <section aria-label={`Team folder ${group}`} class="group-folder">
      <h3>Team folder {group}</h3>
      <GroupMembers api={api} group={group} />
      <FolderView
        api={api}
        identityId={me.identityId}
        folder={folder}
        label="Group files error"
        onShared={onChanged}
      />
    </section>
  );
}
