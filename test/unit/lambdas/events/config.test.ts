import { describe, expect, test } from 'vitest';
import { loadEventsConfig } from '../../../../lambdas/events/config';

const minimal = { AWS_REGION: 'eu-west-2', BUCKET_NAME: 'my-bucket', LEDGER_TABLE: 'ledger' };

describe('loadEventsConfig', () => {
  test('has no malware scanning unless MALWARE_SCANNING says so', () => {
    expect(loadEventsConfig(minimal).malwareScanning).toBeUndefined();
    expect('malwareScanning' in loadEventsConfig({ ...minimal, MALWARE_SCANNING: '0' })).toBe(false);
  });

  test('reads the scanning settings the API function reads', () => {
    const config = loadEventsConfig({
      ...minimal,
      MALWARE_SCANNING: JSON.stringify({ prefixes: ['private/'], onUnsupported: 'serve' }),
    });
    expect(config.malwareScanning).toEqual({ prefixes: ['private/'], onUnsupported: 'serve' });
    expect(loadEventsConfig({ ...minimal, MALWARE_SCANNING: '1' }).malwareScanning).toEqual({
      prefixes: [],
      onUnsupported: 'block',
    });
  });

  test('fails at init on bad settings, naming the variable', () => {
    expect(() => loadEventsConfig({ ...minimal, MALWARE_SCANNING: '{"onUnsupported":"maybe"}' })).toThrow(
      /MALWARE_SCANNING/,
    );
  });
});
