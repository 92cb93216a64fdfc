import { describe, expect, test } from 'vitest';
import { loadEventsConfig } from '../../../../lambdas/events/config';

const minimal = { AWS_REGION: 'eu-west-2', BUCKET_NAME: 'my-bucket', LEDGER_TABLE: 'ledger' };

describe('loadEventsConfig', () => {
  // It acts on every scan result that arrives (deleting malware is right whatever the settings), so
  // the scanning settings are the API function's alone: not read, so never a reason to fail here.
  test('does not read MALWARE_SCANNING, even a bad one', () => {
    const config = loadEventsConfig({ ...minimal, MALWARE_SCANNING: '{"onUnsupported":"maybe"}' });
    expect(config).toEqual(loadEventsConfig(minimal));
    expect('malwareScanning' in config).toBe(false);
  });
});
