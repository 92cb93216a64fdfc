import { ALL_LEVELS, type Me } from './api';
import { formatBytes } from './format';
import { RejectionList } from './rejection-list';

type Usage = NonNullable<Me['usage']>;
type Quota = Me['quota'];

/**
 * `GET /me`'s `usage`, `quota` and `rejections`, present when the deployment keeps a usage ledger.
 * Usage is counted from storage's own events, so it trails an upload by a moment.
 */
export function UsagePanel({ me, onRefresh }: { me: Me; onRefresh: () => void }) {
  const { usage, quota, rejections } = me;
  return (
    <section aria-labelledby="usage-heading" class="usage">
      <h3 id="usage-heading">Storage used</h3>
      {usage ? (
        <>
          <UsageTable usage={usage} />
          <QuotaView usage={usage} quota={quota} />
        </>
      ) : (
        <p class="hint">This deployment keeps no usage ledger.</p>
      )}
      <RejectionList rejections={rejections} />
      <button type="button" onClick={onRefresh}>
        Refresh usage
      </button>
    </section>
  );
}

/** Bytes and objects per level, their total, and what open uploads hold in reserve. */
function UsageTable({ usage }: { usage: Usage }) {
  return (
    <table class="usage-levels">
      <caption class="visually-hidden">Usage per level</caption>
      <thead>
        <tr>
          <th scope="col">Level</th>
          <th scope="col">Bytes</th>
          <th scope="col">Objects</th>
        </tr>
      </thead>
      <tbody>
        {ALL_LEVELS.map((level) => (
          <tr key={level} data-level={level} data-bytes={usage.levels[level].bytes}>
            <th scope="row">{level}</th>
            <td>{formatBytes(usage.levels[level].bytes)}</td>
            <td>{usage.levels[level].objects}</td>
          </tr>
        ))}
      </tbody>
      <tfoot>
        <tr data-level="total">
          <th scope="row">total</th>
          <td data-testid="usage-bytes">{formatBytes(usage.bytes)}</td>
          <td data-testid="usage-objects">{usage.objects}</td>
        </tr>
        <tr>
          <th scope="row">reserved by open uploads</th>
          <td>{formatBytes(usage.reservedBytes)}</td>
          <td>{usage.reservedObjects}</td>
        </tr>
      </tfoot>
    </table>
  );
}

/** The quota in words, and a meter of stored plus reserved bytes when bytes are limited. */
function QuotaView({ usage, quota }: { usage: Usage; quota: Quota }) {
  const limits = [
    quota?.bytes === undefined ? undefined : formatBytes(quota.bytes),
    quota?.objects === undefined ? undefined : `${quota.objects} objects`,
  ].filter(Boolean);
  return (
    <>
      <p data-testid="quota">Quota: {limits.length === 0 ? 'none' : limits.join(', ')}</p>
      {quota?.bytes !== undefined && (
        <progress
          class="quota-meter"
          max={quota.bytes}
          value={Math.min(usage.bytes + usage.reservedBytes, quota.bytes)}
          aria-label="Quota used (stored and reserved bytes)"
        />
      )}
    </>
  );
}
