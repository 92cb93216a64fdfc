import type { FilesClient } from '../../shared/api/client';
import { unwrap } from './api';
import { Pager } from './pager';
import { ProblemView } from './problem-view';
import { useCursorPages } from './use-newest';

async function listMembers(api: FilesClient, group: string, cursor: string | undefined) {
  const query = cursor === undefined ? {} : { cursor };
  return unwrap(await api.GET('/groups/{group}/members', { params: { path: { group }, query } }));
}

/**
 * `GET /groups/{group}/members`: the members' names, a page at a time. An API that does not
 * serve the route (404 `not_found`, "no such route") gets a note instead of an error: the folder
 * works without it.
 */
export function GroupMembers({ api, group }: { api: FilesClient; group: string }) {
  const { value, loading, problem, pager } = useCursorPages(
    (cursor) => listMembers(api, group, cursor),
    [api, group],
  );
  if (problem?.code === 'not_found') {
    return <p class="hint members-unavailable">This API does not list a group's members.</p>;
  }
  return (
    <div class="members">
      <ProblemView problem={problem} label="Members error" />
      <h4>Members</h4>
      {value && (
        <ul aria-label={`Members of ${group}`} aria-busy={loading}>
          {value.members.map((member) => (
            <li key={member.username}>{member.name}</li>
          ))}
        </ul>
      )}
      {(pager.cursors.length > 0 || pager.nextCursor !== undefined) && (
        <Pager {...pager} labels={{ previous: 'Previous members', next: 'More members' }} />
      )}
    </div>
  );
}
