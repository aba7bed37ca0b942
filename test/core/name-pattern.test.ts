import { describe, expect, it } from 'vitest';
import { NamePattern } from '../../core/access/name-pattern.js';

const matches = (pattern: string, name: string): boolean => {
  // The name sits inside a larger buffer, as it does in a line of pipelined commands.
  const line = Buffer.from(`GET ${name} trailing*bytes`);
  return new NamePattern(pattern).matches(line, 4, 4 + Buffer.byteLength(name));
};

describe('NamePattern', () => {
  it.each([
    ['*', 'anything', true],
    ['*', 'x', true],
    ['public/*', 'public/a', true],
    ['public/*', 'public/', true],
    ['public/*', 'public', false],
    ['public/*', 'private/a', false],
    ['exact', 'exact', true],
    ['exact', 'exactly', false],
    ['exact', 'exac', false],
    ['*.png', 'cat.png', true],
    ['*.png', 'cat.png.gz', false],
    ['a*b*c', 'abc', true],
    ['a*b*c', 'a-b-b-c', true],
    ['a*b*c', 'acb', false],
    ['a*b*c', 'ab', false],
    ['user:*:mail', 'user:42:mail', true],
    ['user:*:mail', 'user::mail', true],
    ['user:*:mail', 'user:mail', false],
    ['**', 'x', true],
    ['a**b', 'ab', true],
    ['*mid*', 'amidst', true],
    ['*mid*', 'mud', false],
    ['ünï/*', 'ünï/x', true],
    ['ünï/*', 'uni/x', false],
  ])('%s against %s: %s', (pattern, name, expected) => {
    expect(matches(pattern, name)).toBe(expected);
  });

  it('never looks past the end of the name into the rest of the line', () => {
    // `trailing*bytes` follows the name in the buffer; a suffix match must not find it.
    expect(matches('a*bytes', 'a')).toBe(false);
    expect(matches('a*trailing', 'a')).toBe(false);
  });

  it('compares bytes, so that a pattern matches the very bytes a client sent', () => {
    const pattern = new NamePattern('é*');
    expect(pattern.matches(Buffer.from('éa'), 0, 3)).toBe(true);
    expect(pattern.matches(Buffer.from('e\u0301a'), 0, 4)).toBe(false);
  });
});
