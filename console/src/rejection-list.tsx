import type { Me } from './api';
import { DateTime } from './format';

type Rejection = NonNullable<Me['rejections']>[number];

const REASONS: Record<Rejection['reason'], string> = {
  too_large: 'too large',
  type_not_allowed: 'type not allowed',
  content_mismatch: 'content does not match its type',
  quota_exceeded: 'over quota',
  malware: 'malware',
};

/** Uploads storage's checks removed after they landed, and why; nothing when there are none. */
export function RejectionList({ rejections }: { rejections: readonly Rejection[] | undefined }) {
  if (!rejections || rejections.length === 0) return null;
  return (
    <>
      <h4>Recently removed uploads</h4>
      <ul class="rejections" aria-label="Recently removed uploads">
        {rejections.map((rejection) => (
          <li key={`${rejection.at}/${rejection.level}/${rejection.key}`}>
            <code>
              {rejection.level}/{rejection.key}
            </code>{' '}
            removed: <strong>{REASONS[rejection.reason]}</strong> ({rejection.detail}),{' '}
            <DateTime value={rejection.at} />
          </li>
        ))}
      </ul>
    </>
  );
}
