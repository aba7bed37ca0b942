// The name and value rules (core/protocol/rules.ts) that the parser, REST and
// the client share, and reading replies back (parse-reply.ts).

import { isUtf8 } from 'node:buffer';
import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../core/errors.js';
import { errorReason, readExistsReply, readGetReply, readStoreReply } from '../../core/protocol/parse-reply.js';
import { checkName, checkNameText, checkValue, checkValueText } from '../../core/protocol/rules.js';

const bytes = (...parts: (string | number[])[]): Buffer =>
  Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'utf8') : Buffer.from(p))));
const nameCode = (b: Buffer): string | null => checkName(b, 0, b.length)?.code ?? null;
const valueCode = (b: Buffer): string | null => checkValue(b, 0, b.length)?.code ?? null;

describe('checkName', () => {
  it('accepts 1 to 250 bytes of UTF-8 without whitespace or control bytes', () => {
    for (const ok of ['a', 'x'.repeat(250), 'é'.repeat(125), '鍵', 'a/b.c~!', '\u{1f600}']) {
      expect(nameCode(bytes(ok)), ok).toBeNull();
    }
  });

  it('refuses empty, too long, spaces, control bytes and DEL, each with its code', () => {
    expect(nameCode(bytes(''))).toBe(ErrorCode.BadName);
    expect(nameCode(bytes('x'.repeat(251)))).toBe(ErrorCode.BadName);
    expect(nameCode(bytes('é'.repeat(126)))).toBe(ErrorCode.BadName);
    for (let c = 0; c <= 0x20; c++) expect(nameCode(bytes('a', [c], 'b')), `byte ${c}`).toBe(ErrorCode.BadName);
    expect(nameCode(bytes('a', [0x7f]))).toBe(ErrorCode.BadName);
    expect(checkName(bytes('a b'), 0, 3)?.reason).toBe('name holds a space');
    expect(checkName(bytes('a\tb'), 0, 3)?.reason).toBe('name holds a control character');
  });

  it('checks only the range it is given', () => {
    const line = bytes('GET  key  ');
    expect(checkName(line, 5, 8)).toBeNull();
    expect(checkName(line, 4, 8)?.code).toBe(ErrorCode.BadName);
  });
});

describe('checkValue', () => {
  it('accepts non-empty UTF-8 with spaces, tabs and other control bytes', () => {
    for (const ok of ['v', ' a b ', 'tab\there', '\x01\x7f', 'x'.repeat(70_000), 'värde ✓ \u{1f600}']) {
      expect(valueCode(bytes(ok))).toBeNull();
    }
  });

  it('refuses empty values and CR, LF or NUL anywhere', () => {
    expect(valueCode(bytes(''))).toBe(ErrorCode.BadValue);
    for (const bad of ['a\rb', 'a\nb', 'a\0b', '\r', 'end\n'])
      expect(valueCode(bytes(bad)), bad).toBe(ErrorCode.BadValue);
  });
});

describe('the UTF-8 rule', () => {
  it('agrees with Node on every sequence of up to two bytes and on the edge cases of longer ones', () => {
    const check = (b: Buffer): void => {
      const expected = isUtf8(b) ? null : ErrorCode.InvalidUtf8;
      // A value has no other rule these bytes could break except CR, LF and NUL.
      if (!b.includes(0x0d) && !b.includes(0x0a) && !b.includes(0))
        expect(valueCode(b), b.toString('hex')).toBe(expected);
    };
    for (let a = 1; a < 256; a++) {
      check(Buffer.from([a]));
      for (let b = 1; b < 256; b++) check(Buffer.from([a, b]));
    }
    const edges = [
      [0xe0, 0x9f, 0x80],
      [0xe0, 0xa0, 0x80],
      [0xed, 0x9f, 0xbf],
      [0xed, 0xa0, 0x80],
      [0xef, 0xbf, 0xbf],
      [0xf0, 0x8f, 0xbf, 0xbf],
      [0xf0, 0x90, 0x80, 0x80],
      [0xf4, 0x8f, 0xbf, 0xbf],
      [0xf4, 0x90, 0x80, 0x80],
      [0xf5, 0x80, 0x80, 0x80],
      [0xe2, 0x82],
      [0xe2, 0x82, 0xac],
      [0xf0, 0x9f, 0x98],
      [0xc3, 0xa9, 0xff],
    ];
    for (const edge of edges) {
      check(Buffer.from(edge));
      check(Buffer.from([0x61, ...edge, 0x62]));
    }
  });

  it('refuses a lone surrogate in a string, which an encoder would silently replace', () => {
    expect(checkNameText('a\ud800')?.code).toBe(ErrorCode.InvalidUtf8);
    expect(checkValueText('a\udfff b')?.code).toBe(ErrorCode.InvalidUtf8);
    expect(checkNameText('\u{1f600}')).toBeNull();
    expect(checkValueText('ok \u{1f600}')).toBeNull();
    expect(checkNameText('x'.repeat(300))?.code).toBe(ErrorCode.BadName);
    expect(checkValueText('y'.repeat(100_000))).toBeNull();
  });
});

describe('reading replies', () => {
  it('tells ERROR lines, store, exists and get replies apart', () => {
    expect(errorReason('ERROR storage unavailable')).toBe('storage unavailable');
    expect(errorReason('ERRORS')).toBeNull();
    expect(errorReason('W00T!')).toBeNull();
    expect(readStoreReply('W00T!')).toBe(true);
    expect(readStoreReply('RARGH!')).toBe(false);
    expect(readStoreReply('AWESOME!')).toBeUndefined();
    expect(readExistsReply('AWESOME!')).toBe(true);
    expect(readExistsReply('RARGH!')).toBe(false);
    expect(readExistsReply('W00T!')).toBeUndefined();
    expect(readGetReply('')).toBeNull();
    expect(readGetReply('RARGH!')).toBe('RARGH!');
  });
});
