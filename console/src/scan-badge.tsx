import type { ScanStatus } from './api';

const BADGES: Record<ScanStatus, { readonly label: string; readonly title: string }> = {
  pending: { label: 'scanning…', title: 'Being scanned for malware: not served until it is clean' },
  clean: { label: 'clean', title: 'Scanned: no malware found' },
  infected: { label: 'malware', title: 'Malware found: the file is being removed' },
  unsupported: {
    label: 'unsupported',
    title: 'Could not be scanned: served only where the deployment allows it',
  },
  failed: { label: 'scan failed', title: 'The scan itself failed: held back for an operator' },
};

/** A file's malware-scan status, from a `scan=true` listing; a file outside the scanned prefixes has none. */
export function ScanBadge({ scan }: { scan: ScanStatus | undefined }) {
  if (scan === undefined) {
    return (
      <span class="hint" title="Not in a scanned folder: served at once">
        not scanned
      </span>
    );
  }
  const { label, title } = BADGES[scan];
  return (
    <span class={`scan-badge scan-${scan}`} data-scan={scan} title={title}>
      {label}
    </span>
  );
}
