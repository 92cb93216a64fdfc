import { useState } from 'preact/hooks';
import { type ShownProblem, toShownProblem } from './api';
import { type Session, signIn } from './auth';
import type { ConsoleConfig } from './config';
import { ProblemView } from './problem-view';

export function SignIn({
  config,
  onSignedIn,
}: {
  config: ConsoleConfig;
  onSignedIn: (session: Session) => void;
}) {
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
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
      {config.demoUsers.length > 0 && (
        <section aria-labelledby="demo-heading" class="demo-users">
          <h2 id="demo-heading">Demo users (local stack)</h2>
          <ul>
            {config.demoUsers.map((user) => (
              <li key={user.username}>
                <button
                  type="button"
                  disabled={busy}
                  onClick={() => void submit(user.username, user.password)}
                >
                  Sign in as {user.username}
                </button>
              </li>
            ))}
          </ul>
        </section>
      )}
    </main>
  );
}
