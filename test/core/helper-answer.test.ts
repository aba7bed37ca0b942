import { describe, expect, it } from 'vitest';
import { HelperAnswer, parseHelperAnswer } from '../../core/validators/helper/helper-answer.js';

const parse = (line: string): { id: number; allow: boolean } | null => {
  const buf = Buffer.from(`xx${line}yy`, 'latin1');
  const out = new HelperAnswer();
  return parseHelperAnswer(buf, 2, buf.length - 2, out) ? { id: out.id, allow: out.allow } : null;
};

describe('parseHelperAnswer', () => {
  it.each([
    ['17 JNHP:1', 17, true],
    ['17 JNHP:0', 17, false],
    ['3 JNHP:-2', 3, true],
    ['3 JNHP:+0', 3, false],
    ['3 JNHP:000', 3, false],
    ['  42\tJNHP:7  ', 42, true],
    ['9007199254740 JNHP:1', 9007199254740, true],
  ])('reads %j as id %i, allow %s', (line, id, allow) => {
    expect(parse(line)).toEqual({ id, allow });
  });

  it.each([
    '',
    'JNHP:1',
    '17',
    '17JNHP:1',
    '17 JNHP:',
    '17 JNHP:x',
    '17 JNHP:1 extra',
    '17 jnhp:1',
    '-1 JNHP:1',
    'a17 JNHP:1',
    '1234567890123456 JNHP:1',
  ])('refuses %j', (line) => {
    expect(parse(line)).toBeNull();
  });
});
