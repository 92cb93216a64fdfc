import { useState } from 'preact/hooks';
import { type ShownProblem, toShownProblem } from './api';
import { type Session, signIn } from './auth';
import type { ConsoleConfig } from './config';
import { DemoUsers } from './demo-users';
import { ProblemView } from './problem-view';

/**
 * One sign-in attempt at a time. Busy until signed in: the form then goes, so it is never reset on
 * success, only on a refusal.
 */
function useSignIn(config: ConsoleConfig, onSignedIn: (session: Session) => void) {
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<ShownProblem>();
  const submit = async (user: string, secret: string) => {
    setBusy(true);
    setProblem(undefined);
    try {
      onSignedIn(await signIn(config.userPool, user, secret));
    } catch (error) {
      setProblem(toShownProblem(error));
      setBusy(false);
    }
  };
  return { busy, problem, submit };
}

export function SignIn({
  config,
  onSignedIn,
}: {
  config: ConsoleConfig;
  onSignedIn: (session: Session) => void;
}) {
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const { busy, problem, submit } = useSignIn(config, onSignedIn);

  return (
    <main class="sign-in">
      <h1>User Files</h1>
      <form
        aria-labelledby="sign-in-heading"
        onSubmit={(event) => {
          event.preventDefault();
          void submit(username, password);
        }}
      >
        <h2 id="sign-in-heading">Sign in</h2>
        <label>
          Username
          <input
            name="username"
            autocomplete="username"
            required
            value={username}
            onInput={(event) => setUsername(event.currentTarget.value)}
          />
        </label>
        <label>
          Password
          <input
            name="password"
            type="password"
            autocomplete="current-password"
            required
            value={password}
            onInput={(event) => setPassword(event.currentTarget.value)}
          />
        </label>
        <button type="submit" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
        <ProblemView problem={problem} label="Sign-in error" />
      </form>
      <DemoUsers
        users={config.demoUsers}
        busy={busy}
        onSignIn={(user) => void submit(user.username, user.password)}
      />
    </main>
  );
}
