import { LEVELS, type Me } from './api';
import { formatBytes } from './format';
import { publicPagePath } from './public-links';
import { UsagePanel } from './usage-panel';

/** `GET /me`: who the API says the caller is, and what each level accepts. */
export function IdentityPanel({ me, onRefresh }: { me: Me; onRefresh: () => void }) {
  return (
    <section aria-labelledby="identity-heading" class="panel identity">
      <h2 id="identity-heading">Your identity</h2>
      <dl>
        <dt>Name</dt>
        <dd data-testid="name">{me.name}</dd>
        <dt>Username</dt>
        <dd data-testid="username">{me.username}</dd>
        <dt>Identity ID</dt>
        <dd>
          <code data-testid="identity-id">{me.identityId}</code>
        </dd>
        <dt>User-pool sub</dt>
        <dd>
          <code>{me.sub}</code>
        </dd>
        <dt>Public page</dt>
        <dd>
          {/* A new tab: this one keeps the session, which lives in memory only. */}
          <a href={publicPagePath(me.identityId)} target="_blank" rel="noopener noreferrer">
            Your public page
          </a>{' '}
          <span class="hint">(your public files, for anyone, no sign-in)</span>
        </dd>
      </dl>
      <table class="limits">
        <caption>Upload rules per level</caption>
        <thead>
          <tr>
            <th scope="col">Level</th>
            <th scope="col">Your folder</th>
            <th scope="col">Largest upload</th>
            <th scope="col">Content types</th>
          </tr>
        </thead>
        <tbody>
          {LEVELS.map((level) => {
            const rule = me.limits.uploads[level];
            return (
              <tr key={level}>
                <th scope="row">{level}</th>
                <td>
                  <code>{me.prefixes[level]}</code>
                </td>
                <td>{formatBytes(rule.maxUploadBytes)}</td>
                <td>{rule.allowedContentTypes ? rule.allowedContentTypes.join(', ') : 'any'}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
      <p class="hint">
        Download links last {me.limits.defaultUrlLifetimeSeconds} s by default (at most{' '}
        {me.limits.maxUrlLifetimeSeconds} s).
      </p>
      {me.malwareScanning && <ScanningNote scanning={me.malwareScanning} />}
      <UsagePanel me={me} onRefresh={onRefresh} />
    </section>
  );
}

/** Where uploads are scanned for malware, and what a file waits for before it downloads. */
function ScanningNote({ scanning }: { scanning: NonNullable<Me['malwareScanning']> }) {
  const where = scanning.prefixes.length === 0 ? 'every folder' : scanning.prefixes.join(', ');
  const unscannable = scanning.onUnsupported === 'serve' ? 'served' : 'held back';
  return (
    <p class="hint" data-testid="malware-scanning">
      New files in {where} are scanned for malware and download once scanned clean (unscannable ones are{' '}
      {unscannable}); malware is removed and listed below.
    </p>
  );
}
