import type { DemoUser } from './config';

/** One-click sign-in as each demo user a local stack offers; nothing for a deployed console. */
export function DemoUsers({
  users,
  busy,
  onSignIn,
}: {
  users: readonly DemoUser[];
  busy: boolean;
  onSignIn: (user: DemoUser) => void;
}) {
  if (users.length === 0) return null;
  return (
    <section aria-labelledby="demo-heading" class="demo-users">
      <h2 id="demo-heading">Demo users (local stack)</h2>
      <ul>
        {users.map((user) => (
          <li key={user.username}>
            <button type="button" disabled={busy} onClick={() => onSignIn(user)}>
              Sign in as {user.username}
            </button>
          </li>
        ))}
      </ul>
    </section>
  );
}
