import { describe, expect, it } from 'vitest';
import { LineSplitter, Next } from '../../core/protocol/line-splitter.js';

const OVERFLOW = '<overflow>';

/** Feeds `chunks` in turn and lists what the splitter reports: each line (as latin1 text) or OVERFLOW. */
function split(maxLineBytes: number, chunks: readonly Buffer[], finish = false): string[] {
  const splitter = new LineSplitter(maxLineBytes);
  const seen: string[] = [];
  const record = (next: Next): void => {
    seen.push(next === Next.Line ? splitter.buf.toString('latin1', splitter.start, splitter.end) : OVERFLOW);
  };
  for (const chunk of chunks) {
    splitter.feed(chunk);
    for (let next = splitter.next(); next !== Next.NeedMore; next = splitter.next()) record(next);
  }
  if (finish) {
    const last = splitter.finish();
    if (last !== Next.NeedMore) record(last);
  }
  return seen;
}

const bytes = (text: string): Buffer => Buffer.from(text, 'latin1');

function byteByByte(input: Buffer): Buffer[] {
  return [...input].map((b) => Buffer.from([b]));
}

describe('LineSplitter', () => {
  const MAX = 12;
  const input = bytes(
    'GET a\r\nPING\n\r\n\nSTORE k v v\r\n123456789012\r\n1234567890123\r\nabcdefghijklmnopq\nlast\r\n',
  );
  const expected = ['GET a', 'PING', '', '', 'STORE k v v', '123456789012', OVERFLOW, OVERFLOW, 'last'];

  it('splits input fed whole into lines without their line ends', () => {
    expect(split(64, [input])).toEqual([
      'GET a',
      'PING',
      '',
      '',
      'STORE k v v',
      '123456789012',
      '1234567890123',
      'abcdefghijklmnopq',
      'last',
    ]);
  });

  it('reports the same lines and overflows whether fed whole, byte by byte or split at any offset', () => {
    expect(split(MAX, [input])).toEqual(expected);
    expect(split(MAX, byteByByte(input))).toEqual(expected);
    for (let at = 0; at <= input.length; at++) {
      expect(split(MAX, [input.subarray(0, at), input.subarray(at)]), `split at ${at}`).toEqual(expected);
    }
  });

  it('reports the same lines when split at every pair of offsets', () => {
    for (let a = 0; a <= input.length; a++) {
      for (let b = a; b <= input.length; b++) {
        const chunks = [input.subarray(0, a), input.subarray(a, b), input.subarray(b)];
        expect(split(MAX, chunks), `split at ${a} and ${b}`).toEqual(expected);
      }
    }
  });

  it('accepts CRLF and bare LF and keeps a CR that is not before the LF', () => {
    expect(split(64, [bytes('a\r\nb\nc\rd\r\ne\r\r\n')])).toEqual(['a', 'b', 'c\rd', 'e\r']);
  });

  it('accepts a line of exactly maxLineBytes whose CR and LF arrive in different chunks', () => {
    expect(split(4, [bytes('abcd\r'), bytes('\nok\n')])).toEqual(['abcd', 'ok']);
    expect(split(4, [bytes('abcd'), bytes('\r'), bytes('\n')])).toEqual(['abcd']);
  });

  it('counts an over-long line without its line end and reports it once', () => {
    expect(split(4, [bytes('abcde\r\nok\n')])).toEqual([OVERFLOW, 'ok']);
    expect(split(4, [bytes('abcde'), bytes('\r\nok\n')])).toEqual([OVERFLOW, 'ok']);
    expect(split(4, [bytes('abcde\r'), bytes('\nok\n')])).toEqual([OVERFLOW, 'ok']);
  });

  it('reports an over-long line once when it arrives in many chunks', () => {
    const chunks = [
      bytes('x'.repeat(100)),
      ...Array.from({ length: 50 }, () => bytes('y'.repeat(37))),
      bytes('zz\nPING\n'),
    ];
    expect(split(16, chunks)).toEqual([OVERFLOW, 'PING']);
  });

  it('never holds more than maxLineBytes + 1 bytes of an unfinished line', () => {
    const max = 16;
    const splitter = new LineSplitter(max);
    const line = bytes(`${'q'.repeat(1000)}\n`);
    let overflows = 0;
    for (const chunk of byteByByte(line)) {
      splitter.feed(chunk);
      for (let next = splitter.next(); next !== Next.NeedMore; next = splitter.next()) {
        if (next === Next.Overflow) overflows++;
      }
      expect(splitter.unread).toBeLessThanOrEqual(max + 1);
      // One small buffer, never grown: the overflow is skipped, not kept.
      expect(splitter.heldBytes).toBeLessThanOrEqual(128);
    }
    expect(overflows).toBe(1);
  });

  it('skips 100 MB of one line without buffering it', () => {
    const splitter = new LineSplitter(65536);
    const chunk = Buffer.alloc(64 * 1024, 0x61);
    const before = process.memoryUsage().arrayBuffers;
    let overflows = 0;
    for (let sent = 0; sent < 100 * 1024 * 1024; sent += chunk.length) {
      splitter.feed(chunk);
      if (splitter.next() === Next.Overflow) overflows++;
      expect(splitter.next()).toBe(Next.NeedMore);
    }
    // Feeding the same chunk again and again: any copy kept would show here.
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(4 * 1024 * 1024);
    expect(splitter.heldBytes).toBe(0);
    expect(overflows).toBe(1);
    splitter.feed(bytes('tail\nPING\n'));
    expect(splitter.next()).toBe(Next.Line);
    expect(splitter.buf.toString('latin1', splitter.start, splitter.end)).toBe('PING');
  });

  it('reports a line that lies inside one chunk in place, without copying it', () => {
    const chunk = bytes('GET a\r\nGET b\n');
    const splitter = new LineSplitter(64);
    splitter.feed(chunk);
    expect(splitter.next()).toBe(Next.Line);
    expect(splitter.buf).toBe(chunk);
    expect([splitter.start, splitter.end]).toEqual([0, 5]);
    expect(splitter.next()).toBe(Next.Line);
    expect([splitter.start, splitter.end]).toEqual([7, 12]);
  });

  it('gives an unterminated last line from finish()', () => {
    expect(split(64, [bytes('PING\nGET a')], true)).toEqual(['PING', 'GET a']);
    expect(split(64, byteByByte(bytes('PING\nGET a\r')), true)).toEqual(['PING', 'GET a']);
  });

  it('gives nothing from finish() after a complete last line', () => {
    expect(split(64, [bytes('PING\n')], true)).toEqual(['PING']);
    expect(split(64, [], true)).toEqual([]);
  });

  it('reports an over-long unterminated last line once, from finish() or before it', () => {
    expect(split(4, [bytes('ok\nabcde')], true)).toEqual(['ok', OVERFLOW]);
    expect(split(4, [bytes('ok\nabcd'), bytes('e')], true)).toEqual(['ok', OVERFLOW]);
    expect(split(4, [bytes('ok\nabcdefgh')], true)).toEqual(['ok', OVERFLOW]);
  });

  it('says whether input of the last chunk is still unread', () => {
    const splitter = new LineSplitter(64);
    splitter.feed(bytes('a\nb\n'));
    expect(splitter.hasInput).toBe(true);
    splitter.next();
    expect(splitter.hasInput).toBe(true);
    splitter.next();
    expect(splitter.hasInput).toBe(false);
  });
});

describe('LineSplitter memory', () => {
  it('holds a line fed one byte at a time in one buffer of at most twice its length', () => {
    const splitter = new LineSplitter(65536);
    const line = 60_000;
    let most = 0;
    const one = Buffer.alloc(1, 0x61);
    for (let i = 0; i < line; i++) {
      splitter.feed(one);
      splitter.next();
      most = Math.max(most, splitter.heldBytes);
    }
    expect(most).toBeLessThanOrEqual(2 * line);
    splitter.feed(Buffer.from('\n'));
    expect(splitter.next()).toBe(Next.Line);
    expect(splitter.end - splitter.start).toBe(line);
    expect(splitter.next()).toBe(Next.NeedMore);
    expect(splitter.heldBytes).toBe(0);
  });

  it('keeps input fed before the last was read, in order, whatever the cut', () => {
    const text = 'PING\nGET a\r\nSTORE k v\nEXISTS b\n';
    for (let at = 0; at <= text.length; at++) {
      const splitter = new LineSplitter(64);
      splitter.feed(Buffer.from(text.slice(0, at)));
      const seen: string[] = [];
      // Read one line, then feed the rest while the first chunk is still unread.
      if (splitter.next() === Next.Line) seen.push(splitter.buf.toString('latin1', splitter.start, splitter.end));
      splitter.feed(Buffer.from(text.slice(at)));
      for (let next = splitter.next(); next !== Next.NeedMore; next = splitter.next()) {
        seen.push(splitter.buf.toString('latin1', splitter.start, splitter.end));
      }
      expect(seen, `cut at ${at}`).toEqual(['PING', 'GET a', 'STORE k v', 'EXISTS b']);
      expect(splitter.heldBytes).toBe(0);
    }
  });

  it('ends each message fed with feedLine as a line, adding the LF it lacks', () => {
    const splitter = new LineSplitter(64);
    for (const message of ['PING', 'GET a\nGET b', '', 'EXISTS c\n']) splitter.feedLine(Buffer.from(message));
    const seen: string[] = [];
    for (let next = splitter.next(); next !== Next.NeedMore; next = splitter.next()) {
      seen.push(splitter.buf.toString('latin1', splitter.start, splitter.end));
    }
    expect(seen).toEqual(['PING', 'GET a', 'GET b', '', 'EXISTS c']);
  });

  it('reports a line given back again, also after more input came and at the end of input', () => {
    const splitter = new LineSplitter(64);
    const line = (): string => splitter.buf.toString('latin1', splitter.start, splitter.end);
    splitter.feed(bytes('STORE a 1\r\nGET a\r\n'));
    expect(splitter.next()).toBe(Next.Line);
    expect(line()).toBe('STORE a 1');
    expect(splitter.next()).toBe(Next.Line);
    splitter.giveBack();
    expect(splitter.consumed).toBe(11);
    splitter.feed(bytes('PING\nlast'));
    expect(splitter.next()).toBe(Next.Line);
    expect(line()).toBe('GET a');
    expect(splitter.next()).toBe(Next.Line);
    expect(line()).toBe('PING');
    expect(splitter.next()).toBe(Next.NeedMore);
    expect(splitter.finish()).toBe(Next.Line);
    splitter.giveBack();
    expect(splitter.next()).toBe(Next.NeedMore);
    expect(splitter.finish()).toBe(Next.Line);
    expect(line()).toBe('last');
    expect(splitter.finish()).toBe(Next.NeedMore);
  });

  it('reports a message read in place again when it is given back, with its implied line end', () => {
    const splitter = new LineSplitter(64);
    splitter.feedLine(Buffer.from('STORE a 1'));
    expect(splitter.next()).toBe(Next.Line);
    splitter.giveBack();
    expect(splitter.unread).toBe(10);
    splitter.feedLine(Buffer.from('GET a'));
    expect(splitter.next()).toBe(Next.Line);
    expect(splitter.buf.toString('latin1', splitter.start, splitter.end)).toBe('STORE a 1');
    expect(splitter.next()).toBe(Next.Line);
    expect(splitter.buf.toString('latin1', splitter.start, splitter.end)).toBe('GET a');
    expect(splitter.next()).toBe(Next.NeedMore);
    expect(splitter.consumed).toBe(16);
  });

  it('reads a lone message fed with feedLine in place, without a copy', () => {
    const splitter = new LineSplitter(64);
    const message = Buffer.from('GET a');
    splitter.feedLine(message);
    expect(splitter.unread).toBe(6);
    expect(splitter.next()).toBe(Next.Line);
    expect(splitter.buf).toBe(message);
    expect(splitter.buf.toString('latin1', splitter.start, splitter.end)).toBe('GET a');
    expect(splitter.heldBytes).toBe(0);
    expect(splitter.next()).toBe(Next.NeedMore);
    expect(splitter.consumed).toBe(6);
    expect(splitter.hasInput).toBe(false);
  });

  it('keeps the order and the count of messages fed before the first was read, whatever their mix', () => {
    const messages = ['PING', '', 'GET a\r', 'STORE k v\n', '12345678901234567890', 'x', 'GET b\nGET c'];
    for (let first = 0; first < messages.length; first++) {
      const splitter = new LineSplitter(12);
      const seen: string[] = [];
      const drain = (): void => {
        for (let next = splitter.next(); next !== Next.NeedMore; next = splitter.next()) {
          seen.push(next === Next.Line ? splitter.buf.toString('latin1', splitter.start, splitter.end) : OVERFLOW);
        }
      };
      let fed = 0;
      // Messages before `first` are read one by one (in place); the rest pile up and are copied.
      messages.forEach((m, i) => {
        splitter.feedLine(Buffer.from(m));
        fed += m.length + (m.endsWith('\n') ? 0 : 1);
        if (i < first) drain();
      });
      expect(splitter.consumed + splitter.unread).toBe(fed);
      drain();
      expect(seen, `read one by one up to ${first}`).toEqual([
        'PING',
        '',
        'GET a',
        'STORE k v',
        OVERFLOW,
        'x',
        'GET b',
        'GET c',
      ]);
      expect(splitter.consumed).toBe(fed);
      expect(splitter.heldBytes).toBe(0);
    }
  });
});
