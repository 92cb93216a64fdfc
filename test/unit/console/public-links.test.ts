/**
 * The console's side of permanent links, as pure functions: the public page's path and the owner
 * read back from it (what the console server routes to the page), the `inline=1` form of a listed
 * link, and which names get an image preview.
 */
import { describe, expect, it } from 'vitest';
import {
  inlineUrl,
  looksLikeImage,
  publicPageOwner,
  publicPagePath,
} from '../../../console/src/public-links';
import { publicLink } from '../../../shared/domain/public-links';

const OWNER = 'us-east-1:3f2b6c1e-8a4d-4e2b-9c1a-0d5e6f7a8b9c';

describe('the public page path', () => {
  it('keeps an identity ID readable and reads it back', () => {
    expect(publicPagePath(OWNER)).toBe(`/public/${OWNER}`);
    expect(publicPageOwner(publicPagePath(OWNER))).toBe(OWNER);
  });

  it.each([
    [`/public/${OWNER}/`, OWNER],
    ['/public/us-east-1%3Aabc', 'us-east-1:abc'],
    // Not an identity ID, still the page's to show: the API names what is wrong with it.
    ['/public/not-an-owner', 'not-an-owner'],
    ['/public/bad%E0escape', 'bad%E0escape'],
  ])('reads the owner of %s', (path, owner) => {
    expect(publicPageOwner(path)).toBe(owner);
  });

  it.each(['/', '/public', '/public/', '/public/a/b', '/public//', '/other/x', '/publicx/y'])(
    'is not the public page at %s',
    (path) => {
      expect(publicPageOwner(path)).toBeUndefined();
    },
  );

  it('encodes what a path segment cannot hold', () => {
    expect(publicPagePath('a/b?c')).toBe('/public/a%2Fb%3Fc');
  });
});

describe('inlineUrl', () => {
  it('adds inline=1 to the link the API listed, keys with escapes included', () => {
    const link = publicLink('http://127.0.0.1:4010/v1/', OWNER, 'photos/cat one #1.jpg');
    expect(inlineUrl(link)).toBe(`${link}?inline=1`);
  });

  it('replaces an inline already there rather than adding a second', () => {
    expect(inlineUrl('https://api.example/v1/public/o/k.png?inline=0')).toBe(
      'https://api.example/v1/public/o/k.png?inline=1',
    );
  });
});

describe('looksLikeImage', () => {
  it.each(['a.png', 'photos/b.JPG', 'c.jpeg', 'd.gif', 'e.webp', 'f.avif', 'g.bmp'])('previews %s', (key) => {
    expect(looksLikeImage(key)).toBe(true);
  });

  it.each(['notes.txt', 'logo.svg', 'page.html', 'png', '.png', 'photos.png/readme', 'archive.png.zip'])(
    'does not preview %s',
    (key) => {
      expect(looksLikeImage(key)).toBe(false);
    },
  );
});
