/**
 * Malware scanning's wiring: `MALWARE_SCANNING` (or the `malwareScanning` option, which wins) read
 * through the contract into the deployment's settings (the events function is told none of it, as
 * the construct tells it none), and a stack started with it: its outputs name the settings and its
 * scanner runs, in the scanned prefixes only; without it, neither.
 */
import { describe, expect, it } from 'vitest';
import { deploymentSettings, eventsFunctionVariables } from '../../../local/stack/functions';
import { startLocalStack } from '../../../local/stack/local-stack';

describe('the deployment settings', () => {
  it('reads MALWARE_SCANNING through the contract; the option overrides it', () => {
    const defaults = { prefixes: [], onUnsupported: 'block' };
    expect(deploymentSettings({}, 'b', {}).malwareScanning).toBeUndefined();
    expect(deploymentSettings({}, 'b', { MALWARE_SCANNING: '0' }).malwareScanning).toBeUndefined();
    expect(deploymentSettings({}, 'b', { MALWARE_SCANNING: '1' }).malwareScanning).toEqual(defaults);
    expect(
      deploymentSettings({}, 'b', { MALWARE_SCANNING: '{"prefixes":["public/"],"onUnsupported":"serve"}' })
        .malwareScanning,
    ).toEqual({ prefixes: ['public/'], onUnsupported: 'serve' });
    expect(
      deploymentSettings({ malwareScanning: false }, 'b', { MALWARE_SCANNING: '1' }).malwareScanning,
    ).toBeUndefined();
    expect(deploymentSettings({ malwareScanning: {} }, 'b', {}).malwareScanning).toEqual(defaults);
    expect(() => deploymentSettings({}, 'b', { MALWARE_SCANNING: '{"prefixes":["elsewhere/"]}' })).toThrow(
      /MALWARE_SCANNING/,
    );
  });

  it("writes the events function's own variables only, as the construct does", () => {
    const deployment = deploymentSettings({ malwareScanning: {}, uploadRules: '{}' }, 'b', {
      DEFAULT_URL_LIFETIME_SECONDS: '600',
    });
    expect(Object.keys(eventsFunctionVariables(deployment)).sort()).toEqual([
      'BUCKET_NAME',
      'LEDGER_TABLE',
      'MAX_UPLOAD_BYTES',
      'UPLOAD_RULES',
    ]);
  });
});

describe('a stack with and without scanning', () => {
  it('names the settings in its outputs and runs the scanner only when on', async () => {
    const on = await startLocalStack({
      api: false,
      quiet: true,
      malwareScanning: { prefixes: ['private/'] },
    });
    try {
      expect(on.outputs.MalwareScanning).toEqual({ prefixes: ['private/'], onUnsupported: 'block' });
      const scanner = on.scanner;
      if (scanner === undefined) throw new Error('no scanner with scanning on');
      // Wired to the gateway with its own role (which may list the bucket): a key written and gone
      // before its scan reads 404 and is skipped, where refused credentials would report FAILED.
      const bucket = on.outputs.BucketName;
      scanner.onEvent({ name: 'ObjectCreated:Put', bucket, key: 'private/nobody/gone.txt' });
      scanner.onEvent({ name: 'ObjectCreated:Put', bucket, key: 'protected/nobody/unscanned.txt' });
      await scanner.drain();
      expect(scanner.stats).toEqual({ scanned: 0, skipped: 1, failed: 0 });
    } finally {
      await on.stop();
    }
    const off = await startLocalStack({ api: false, quiet: true, malwareScanning: false });
    try {
      expect(off.outputs.MalwareScanning).toBe(false);
      expect(off.scanner).toBeUndefined();
    } finally {
      await off.stop();
    }
  });
});
