import { describe, expect, it } from 'vitest';
import { requestJson } from '../../core/validators/request-json.js';

const client = { transport: 'tcp', remoteAddress: '::ffff:127.0.0.1', user: 'default' } as const;
const expected = (name: string, value: string, id?: number): string =>
  JSON.stringify({ ...(id === undefined ? {} : { id }), name, value, ...client });

describe('requestJson', () => {
  it.each([
    ['plain', 'value-0123'],
    ['q"uote', 'back\\slash'],
    ['tab', 'a\tb and a \u0001 control'],
    ['emoji', 'caf\u00e9 \u{1f600} \u2028 \u007f'],
    ['lone', 'half a pair \ud800 here'],
    ['x', ''],
  ])('writes what JSON.stringify writes, with and without an id (%s)', (name, value) => {
    expect(requestJson({ name, value, client })).toBe(expected(name, value));
    expect(requestJson({ name, value, client }, 17)).toBe(expected(name, value, 17));
  });
});
