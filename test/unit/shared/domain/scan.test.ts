/**
 * Malware scanning's settings and tag values: prefixes are literal key prefixes under a level (no
 * character a bucket policy would read as a wildcard or variable), what is scanned and served
 * follows from them, and every tag value maps to the status the API reports.
 */
import { describe, expect, test } from 'vitest';
import {
  isScanned,
  isServable,
  MAX_SCAN_PREFIXES,
  SCAN_RESULTS,
  SCAN_STATUSES,
  ScanSettingsSchema,
  scanStatusOf,
  servableResults,
} from '../../../../shared/domain/scan';

const messages = (input: unknown) => {
  const parsed = ScanSettingsSchema.safeParse(input);
  return parsed.success ? [] : parsed.error.issues.map((issue) => issue.message);
};

describe('the scanning settings', () => {
  test('default to the whole bucket, blocking what cannot be scanned', () => {
    expect(ScanSettingsSchema.parse({})).toEqual({ prefixes: [], onUnsupported: 'block' });
    expect(
      ScanSettingsSchema.parse({ prefixes: ['public/', 'groups/design/'], onUnsupported: 'serve' }),
    ).toEqual({ prefixes: ['public/', 'groups/design/'], onUnsupported: 'serve' });
  });

  test.each(['public/*', 'public/?', `shared/\${aws:username}/`, 'groups/a$b/', 'protected/*/x'])(
    'refuse %s: a bucket policy would read it as a pattern, GuardDuty literally',
    (prefix) => {
      expect(messages({ prefixes: [prefix] })).toEqual([
        expect.stringMatching(/must not contain \*, \? or \$/),
      ]);
    },
  );

  test('refuse a prefix outside a level, too many prefixes, and an unknown onUnsupported', () => {
    expect(messages({ prefixes: ['elsewhere/'] })).toEqual([expect.stringMatching(/start with a level/)]);
    expect(messages({ prefixes: ['public'] })).toEqual([expect.stringMatching(/start with a level/)]);
    const many = Array.from({ length: MAX_SCAN_PREFIXES + 1 }, (_, index) => `public/${index}/`);
    expect(messages({ prefixes: many })).toEqual([expect.stringMatching(/at most 5 prefixes/)]);
    expect(messages({ onUnsupported: 'allow' })).toEqual(['must be "serve" or "block"']);
    expect(messages({ prefixes: [], extra: true })).not.toEqual([]);
  });
});

describe('what is scanned and served', () => {
  test('isScanned: every key without prefixes, else keys starting with one, literally', () => {
    expect(isScanned({ prefixes: [] }, 'private/anyone/a.txt')).toBe(true);
    const settings = { prefixes: ['public/', 'groups/design/'] };
    expect(isScanned(settings, 'public/someone/a.txt')).toBe(true);
    expect(isScanned(settings, 'groups/design/plan.pdf')).toBe(true);
    expect(isScanned(settings, 'groups/designers/plan.pdf')).toBe(false);
    expect(isScanned(settings, 'private/someone/public/a.txt')).toBe(false);
    expect(isScanned(settings, 'public')).toBe(false);
  });

  test('servableResults: clean only, or clean and unsupported with onUnsupported: serve', () => {
    expect(servableResults({ onUnsupported: 'block' })).toEqual(['NO_THREATS_FOUND']);
    expect(servableResults({ onUnsupported: 'serve' })).toEqual(['NO_THREATS_FOUND', 'UNSUPPORTED']);
  });

  test('scanStatusOf maps each of GuardDuty’s values; none is pending, an unknown one failed', () => {
    expect(scanStatusOf(undefined)).toBe('pending');
    expect(Object.fromEntries(SCAN_RESULTS.map((result) => [result, scanStatusOf(result)]))).toEqual({
      NO_THREATS_FOUND: 'clean',
      THREATS_FOUND: 'infected',
      UNSUPPORTED: 'unsupported',
      ACCESS_DENIED: 'failed',
      FAILED: 'failed',
    });
    expect(scanStatusOf('no_threats_found')).toBe('failed');
    expect(scanStatusOf('')).toBe('failed');
  });

  test('the API and storage agree: a status is servable exactly when its tag value is', () => {
    for (const onUnsupported of ['serve', 'block'] as const) {
      for (const result of SCAN_RESULTS) {
        expect(isServable({ onUnsupported }, scanStatusOf(result))).toBe(
          servableResults({ onUnsupported }).includes(result),
        );
      }
    }
  });
});

describe('the statuses the API reports', () => {
  test('served: clean always, unsupported only with onUnsupported: serve, nothing else', () => {
    const served = (onUnsupported: 'block' | 'serve') =>
      SCAN_STATUSES.filter((status) => isServable({ onUnsupported }, status));
    expect(served('block')).toEqual(['clean']);
    expect(served('serve')).toEqual(['clean', 'unsupported']);
  });
});
