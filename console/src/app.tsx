import { useMemo, useState } from 'preact/hooks';
import type { FilesClient } from '../../shared/api/client';
import { createApi } from './api';
import type { Session } from './auth';
import type { ConsoleConfig } from './config';
import { FileBrowser } from './file-browser';
import { GroupsPanel } from './groups-panel';
import { IdentityPanel } from './identity-panel';
import { ProblemView } from './problem-view';
import { SharedByMe } from './shared-by-me';
import { SharedWithMe } from './shared-with-me';
import { SignIn } from './sign-in';
import { useMe } from './use-me';

export function App({ config }: { config: ConsoleConfig }) {
  const [session, setSession] = useState<Session>();
  const api = useMemo(() => (session ? createApi(config.apiUrl, session) : undefined), [config, session]);
  if (!session || !api) return <SignIn config={config} onSignedIn={setSession} />;
  return <SignedIn api={api} session={session} onSignOut={() => setSession(undefined)} />;
}

function SignedIn({
  api,
  session,
  onSignOut,
}: {
  api: FilesClient;
  session: Session;
  onSignOut: () => void;
}) {
  // Usage follows storage's events: reloaded on request and after every change made here.
  const [reloads, setReloads] = useState(0);
  const reload = () => setReloads((count) => count + 1);
  const { me, problem } = useMe(api, reloads);

  return (
    <>
      <header class="top">
        <h1>User Files</h1>
        <span class="who">
          Signed in as <strong>{session.username}</strong>
        </span>
        <button type="button" onClick={onSignOut}>
          Sign out
        </button>
      </header>
      <main>
        <ProblemView problem={problem} label="Identity error" />
        {me ? (
          <>
            <IdentityPanel me={me} onRefresh={reload} />
            <FileBrowser api={api} me={me} onChanged={reload} />
            <GroupsPanel api={api} me={me} onChanged={reload} />
            <SharedWithMe api={api} />
            <SharedByMe api={api} changes={reloads} onChanged={reload} />
          </>
        ) : (
          !problem && <p class="loading">Loading your identity…</p>
        )}
      </main>
    </>
  );
}
