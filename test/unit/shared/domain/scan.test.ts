import { describe, expect, test } from 'vitest';
import {
  isScanned,
  isServable,
  SCAN_RESULTS,
  SCAN_STATUSES,
  scanStatusOf,
  servableResults,
} from '../../../../shared/domain/scan';

describe('what storage serves', () => {
  test.each(['block', 'serve'] as const)(
    'onUnsupported %s: the API serves exactly the tag values the bucket policy serves',
    (onUnsupported) => {
      const settings = { onUnsupported };
      for (const result of SCAN_RESULTS) {
        expect(isServable(settings, scanStatusOf(result)), result).toBe(
          servableResults(settings).includes(result),
        );
      }
      expect(isServable(settings, 'pending')).toBe(false);
    },
  );

  test('clean always, unsupported only when served, nothing else', () => {
    const served = (onUnsupported: 'block' | 'serve') =>
      SCAN_STATUSES.filter((status) => isServable({ onUnsupported }, status));
    expect(served('block')).toEqual(['clean']);
    expect(served('serve')).toEqual(['clean', 'unsupported']);
  });

  test('an unknown or absent tag value is never served', () => {
    expect(scanStatusOf('SOMETHING_NEW')).toBe('failed');
    expect(scanStatusOf(undefined)).toBe('pending');
  });

  test('an empty prefix list scans the whole bucket', () => {
    expect(isScanned({ prefixes: [] }, 'private/x')).toBe(true);
    expect(isScanned({ prefixes: ['public/'] }, 'private/x')).toBe(false);
    expect(isScanned({ prefixes: ['public/'] }, 'public/x')).toBe(true);
  });
});
