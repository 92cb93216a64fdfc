import { describe, expect, test } from 'vitest';
import {
  inlineSafeType,
  inMediaRange,
  isActiveContentType,
  mediaTypeEssence,
} from '../../../../shared/domain/media-types';

describe('mediaTypeEssence', () => {
  test.each([
    ['image/jpeg', 'image/jpeg'],
    ['Image/JPEG', 'image/jpeg'],
    ['text/plain; charset=utf-8', 'text/plain'],
    ['text/plain;charset="utf-8"', 'text/plain'],
    ['application/vnd.api+json', 'application/vnd.api+json'],
  ])('%s -> %s', (value, essence) => {
    expect(mediaTypeEssence(value)).toBe(essence);
  });

  test.each([[''], ['text'], ['text/'], ['/html'], ['text/ html'], ['text/html\r\nX: 1'], ['text/html; x']])(
    '%j is not a media type',
    (value) => {
      expect(mediaTypeEssence(value)).toBeUndefined();
    },
  );
});

describe('inMediaRange', () => {
  test.each([
    ['image/png', 'image/*', true],
    ['image/png', 'IMAGE/PNG', true],
    ['image/png', 'image/jpeg', false],
    ['imagex/png', 'image/*', false],
    ['image/png', 'imag/*', false],
    ['application/pdf', 'application/pdf', true],
    ['application/pdfx', 'application/pdf', false],
  ])('%s in %s: %s', (essence, range, expected) => {
    expect(inMediaRange(essence, range)).toBe(expected);
  });
});

describe('isActiveContentType', () => {
  test.each([
    'text/html',
    'TEXT/HTML; charset=utf-8',
    'application/xhtml+xml',
    'image/svg+xml',
    'Image/SVG+XML',
    'text/javascript',
    'application/javascript',
    'application/x-javascript',
    'application/ecmascript',
    'text/ecmascript',
    'text/javascript1.5',
    'text/jscript',
    'text/livescript',
    'text/xml',
    'application/xml',
    'application/rss+xml',
    'application/atom+xml',
    'application/mathml+xml',
    'text/xsl',
    'multipart/x-mixed-replace; boundary=x',
    // Not a media type at all: browsers sniff it.
    'html',
    '',
  ])('%j is active', (value) => {
    expect(isActiveContentType(value)).toBe(true);
  });

  test.each([
    'text/plain',
    'text/plain; charset=utf-8',
    'text/css',
    'text/csv',
    'image/png',
    'image/jpeg',
    'video/mp4',
    'audio/mpeg',
    'application/pdf',
    'application/json',
    'application/ld+json',
    'application/octet-stream',
    'application/zip',
  ])('%j is passive', (value) => {
    expect(isActiveContentType(value)).toBe(false);
  });
});

describe('inlineSafeType', () => {
  test.each(['image/png', 'text/plain; charset=utf-8', 'application/pdf', 'video/mp4'])(
    '%j may render inline, as itself',
    (value) => {
      expect(inlineSafeType(value)).toBe(value);
    },
  );

  test.each([
    'text/html',
    'image/svg+xml',
    'application/javascript',
    'application/xml',
    // Types browsers sniff, where they may find HTML.
    'application/octet-stream',
    'unknown/unknown',
    'application/unknown',
    'not a type',
  ])('%j must be an attachment', (value) => {
    expect(inlineSafeType(value)).toBeUndefined();
  });
});
