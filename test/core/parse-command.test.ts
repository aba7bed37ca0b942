import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../core/errors.js';
import { type Command, Op } from '../../core/protocol/command.js';
import { formatGet } from '../../core/protocol/format-reply.js';
import { MAX_NAME_BYTES } from '../../core/protocol/limits.js';
import { parseCommand } from '../../core/protocol/parse-command.js';

/** A command as plain data: names as their bytes in hex, so that byte-level differences show. */
type Shown =
  | { op: string; name?: string; value?: string }
  | { op: typeof Op.Invalid; code: ErrorCode; reason: string }
  | null;

function show(command: Command | null): Shown {
  if (command === null) return null;
  switch (command.op) {
    case Op.Get:
    case Op.Exists:
      return { op: command.op, name: command.name.text };
    case Op.Store:
      return { op: command.op, name: command.name.text, value: command.value };
    case Op.Invalid:
      return { op: command.op, code: command.code, reason: command.reason };
    case Op.Auth:
      return { op: command.op, value: command.token };
    default:
      return { op: command.op };
  }
}

const toBuffer = (line: string | Buffer): Buffer => (typeof line === 'string' ? Buffer.from(line, 'utf8') : line);

/** Parses `line` placed in the middle of a larger buffer, as the session hands lines over in place. */
function parse(line: string | Buffer): Shown {
  const bytes = toBuffer(line);
  const framed = Buffer.concat([Buffer.from('JUNK\n'), bytes, Buffer.from('\r\nMORE')]);
  return show(parseCommand(framed, 5, 5 + bytes.length));
}

function errorCode(line: string | Buffer): ErrorCode | undefined {
  const shown = parse(line);
  return shown !== null && 'code' in shown ? shown.code : undefined;
}

const raw = (...parts: (string | number[])[]): Buffer =>
  Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'utf8') : Buffer.from(p))));

describe('parseCommand', () => {
  it('parses every command', () => {
    expect(parse('STORE foo bar')).toEqual({ op: Op.Store, name: 'foo', value: 'bar' });
    expect(parse('EXISTS foo')).toEqual({ op: Op.Exists, name: 'foo' });
    expect(parse('GET foo')).toEqual({ op: Op.Get, name: 'foo' });
    expect(parse('PING')).toEqual({ op: Op.Ping });
    expect(parse('QUIT')).toEqual({ op: Op.Quit });
  });

  it('reads command words case-insensitively', () => {
    for (const word of ['store', 'Store', 'sToRe']) expect(parse(`${word} k v`)?.op).toBe(Op.Store);
    for (const word of ['get', 'Get', 'gET']) expect(parse(`${word} k`)?.op).toBe(Op.Get);
    for (const word of ['exists', 'Exists', 'eXiStS']) expect(parse(`${word} k`)?.op).toBe(Op.Exists);
    expect(parse('ping')?.op).toBe(Op.Ping);
    expect(parse('Quit')?.op).toBe(Op.Quit);
  });

  it('keeps the case of names and values', () => {
    expect(parse('store Foo BaR')).toEqual({ op: Op.Store, name: 'Foo', value: 'BaR' });
  });

  it('ignores blanks and tabs before the command word and between arguments', () => {
    expect(parse(' \t GET\t \tfoo')).toEqual({ op: Op.Get, name: 'foo' });
    expect(parse('\t\tSTORE \t foo \t bar')).toEqual({ op: Op.Store, name: 'foo', value: 'bar' });
    expect(parse('   PING')).toEqual({ op: Op.Ping });
  });

  it('ignores trailing blanks after GET, EXISTS, PING and QUIT', () => {
    expect(parse('GET foo \t ')).toEqual({ op: Op.Get, name: 'foo' });
    expect(parse('EXISTS foo\t')).toEqual({ op: Op.Exists, name: 'foo' });
    expect(parse('PING  \t')).toEqual({ op: Op.Ping });
    expect(parse('QUIT ')).toEqual({ op: Op.Quit });
  });

  it('keeps a value verbatim, inner and trailing blanks included', () => {
    expect(parse('STORE k hello   world')).toEqual({ op: Op.Store, name: 'k', value: 'hello   world' });
    expect(parse('STORE k a\tb \t ')).toEqual({ op: Op.Store, name: 'k', value: 'a\tb \t ' });
    expect(parse('STORE k HTTP/1.1')).toEqual({ op: Op.Store, name: 'k', value: 'HTTP/1.1' });
    expect(parse('STORE k ünïcødé ✓ 鍵')).toEqual({ op: Op.Store, name: 'k', value: 'ünïcødé ✓ 鍵' });
    expect(parse('STORE k \x01\x7f')).toEqual({ op: Op.Store, name: 'k', value: '\x01\x7f' });
  });

  it('gives null for an empty line or a line of only blanks and tabs', () => {
    expect(parse('')).toBeNull();
    expect(parse('  \t ')).toBeNull();
  });

  it('answers an unknown command with unknown_command', () => {
    expect(parse('FROB x')).toMatchObject({ op: Op.Invalid, code: ErrorCode.UnknownCommand });
    expect(parse('GETS x')).toMatchObject({ code: ErrorCode.UnknownCommand });
    expect(parse('STOREX k v')).toMatchObject({ code: ErrorCode.UnknownCommand });
    expect(parse('G')).toMatchObject({ code: ErrorCode.UnknownCommand });
  });

  it('shows an unknown command word with its control and non-ASCII bytes masked', () => {
    const shown = parse(raw('FR', [0x01, 0xff], 'OB x'));
    expect(shown).toMatchObject({ code: ErrorCode.UnknownCommand });
    expect(shown !== null && 'reason' in shown ? shown.reason : '').toMatch(/^[\x20-\x7e]+$/);
  });

  it('answers a wrong number of arguments with wrong_arguments', () => {
    for (const line of [
      'GET',
      'GET   ',
      'GET a b',
      'EXISTS',
      'EXISTS a b',
      'STORE',
      'STORE k',
      'STORE k  \t',
      'PING x',
      'QUIT now',
    ]) {
      expect(errorCode(line), line).toBe(ErrorCode.WrongArguments);
    }
  });

  it('accepts a name of 250 bytes and refuses one of 251 bytes', () => {
    const longest = 'n'.repeat(MAX_NAME_BYTES);
    expect(parse(`GET ${longest}`)).toEqual({ op: Op.Get, name: longest });
    const multiByte = 'é'.repeat(MAX_NAME_BYTES / 2);
    expect(parse(`STORE ${multiByte} v`)).toEqual({ op: Op.Store, name: multiByte, value: 'v' });
    for (const line of [`GET ${longest}x`, `EXISTS ${longest}x`, `STORE ${longest}x v`, `STORE ${multiByte}x v`]) {
      expect(errorCode(line)).toBe(ErrorCode.BadName);
    }
  });

  it('refuses control bytes and DEL in a name', () => {
    for (const byte of [0x00, 0x01, 0x0b, 0x0d, 0x1f, 0x7f]) {
      expect(errorCode(raw('GET a', [byte], 'b')), `byte ${byte}`).toBe(ErrorCode.BadName);
      expect(errorCode(raw('STORE a', [byte], ' v')), `byte ${byte}`).toBe(ErrorCode.BadName);
      expect(errorCode(raw('EXISTS ', [byte])), `byte ${byte}`).toBe(ErrorCode.BadName);
    }
  });

  it('refuses invalid UTF-8 in a name, a\\xff and a\\xfe alike', () => {
    for (const name of [[0x61, 0xff], [0x61, 0xfe], [0xc3], [0xe2, 0x82], [0xc0, 0xaf], [0xed, 0xa0, 0x80]]) {
      expect(errorCode(raw('GET ', name)), `name ${name}`).toBe(ErrorCode.InvalidUtf8);
      expect(errorCode(raw('EXISTS ', name)), `name ${name}`).toBe(ErrorCode.InvalidUtf8);
      expect(errorCode(raw('STORE ', name, ' v')), `name ${name}`).toBe(ErrorCode.InvalidUtf8);
    }
  });

  it('refuses invalid UTF-8 in a value', () => {
    expect(errorCode(raw('STORE k ', [0xff]))).toBe(ErrorCode.InvalidUtf8);
    expect(errorCode(raw('STORE k abc', [0xfe], 'def'))).toBe(ErrorCode.InvalidUtf8);
    expect(errorCode(raw('STORE k é', [0xc3]))).toBe(ErrorCode.InvalidUtf8);
  });

  it('refuses CR or NUL in a value', () => {
    expect(errorCode('STORE k a\rb')).toBe(ErrorCode.BadValue);
    expect(errorCode('STORE k ab\r')).toBe(ErrorCode.BadValue);
    expect(errorCode('STORE k a\0b')).toBe(ErrorCode.BadValue);
  });

  it('accepts valid non-ASCII names, keeping their bytes', () => {
    const line = raw('GET a', [0xc3, 0xbf]);
    const shown = parseCommand(line, 0, line.length);
    expect(shown?.op).toBe(Op.Get);
    if (shown?.op === Op.Get) expect(shown.name.bytes()).toEqual(Buffer.from([0x61, 0xc3, 0xbf]));
    expect(parse('EXISTS 鍵')).toEqual({ op: Op.Exists, name: '鍵' });
  });

  it('recognises lines that look like HTTP', () => {
    for (const line of [
      'POST / HTTP/1.1',
      'PUT /keys/x HTTP/1.1',
      'HEAD / HTTP/1.0',
      'DELETE /keys/x HTTP/1.1',
      'OPTIONS * HTTP/1.1',
      'Host: x',
      'host: 127.0.0.1:8111',
      'Host:x',
      'Content-Length: 12',
      'X-Forwarded-For: 10.0.0.1',
      'Sec-WebSocket-Key2: 1',
      'GET / HTTP/1.1',
      'get /index.html http/1.0',
      'POST',
      'PRI * HTTP/2.0',
    ]) {
      expect(parse(line), line).toEqual({ op: Op.Http });
    }
  });

  it('takes other lines that end a word in a colon for commands, or for ERRORs', () => {
    for (const line of ['12: x', '-: x', ':', 'a_b: x', 'Host x:', 'a.b: x', 'ÿost: x', 'GET x:', 'STORE a: b:']) {
      expect(parse(line), line).not.toEqual({ op: Op.Http });
    }
    expect(errorCode('12:')).toBe(ErrorCode.UnknownCommand);
    expect(parse('GET host:')).toEqual({ op: Op.Get, name: 'host:' });
  });

  it('answers binary garbage with ERROR, never taking it for HTTP', () => {
    // Random bytes without ASCII letters, as in the report that found the old rule wrong.
    let seed = 7;
    const random = (): number => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed >> 16;
    };
    for (let n = 0; n < 2000; n++) {
      const bytes = Buffer.alloc(1 + (random() % 80));
      for (let i = 0; i < bytes.length; i++) {
        let b = random() & 0xff;
        while ((b | 0x20) >= 0x61 && (b | 0x20) <= 0x7a) b = random() & 0xff;
        bytes[i] = b === 0x0a || b === 0x0d ? 0x3a : b;
      }
      const shown = parse(bytes);
      expect(shown === null || shown.op === Op.Invalid, bytes.toString('hex')).toBe(true);
    }
  });

  it('parses AUTH with one token, which keeps its bytes', () => {
    expect(parse('AUTH s3cret')).toEqual({ op: Op.Auth, value: 's3cret' });
    expect(parse('auth\ttok-en_1  \t')).toEqual({ op: Op.Auth, value: 'tok-en_1' });
    const line = raw('AUTH t', [0xc3, 0xbf]);
    const command = parseCommand(line, 0, line.length);
    expect(command?.op === Op.Auth && Buffer.from(command.token, 'latin1')).toEqual(Buffer.from('tÿ'));
    expect(errorCode('AUTH')).toBe(ErrorCode.WrongArguments);
    expect(errorCode('AUTH a b')).toBe(ErrorCode.WrongArguments);
  });

  it('never echoes an AUTH token in an error', () => {
    const shown = parse('AUTH secret-token extra');
    expect(shown !== null && 'reason' in shown ? shown.reason : '').not.toContain('secret-token');
  });

  it('reads STORE x HTTP/1.1 as a normal STORE and GET of a slash as a GET', () => {
    expect(parse('STORE x HTTP/1.1')).toEqual({ op: Op.Store, name: 'x', value: 'HTTP/1.1' });
    expect(parse('GET /')).toEqual({ op: Op.Get, name: '/' });
    expect(errorCode('EXISTS / HTTP/1.1')).toBe(ErrorCode.WrongArguments);
  });

  it('parses a line of a larger buffer without reading outside its bounds', () => {
    const buf = Buffer.from('GET aGET bbb PING');
    const first = parseCommand(buf, 0, 5);
    expect(show(first)).toEqual({ op: Op.Get, name: 'a' });
    expect(show(parseCommand(buf, 5, 12))).toEqual({ op: Op.Get, name: 'bbb' });
    expect(show(parseCommand(buf, 13, 17))).toEqual({ op: Op.Ping });
  });

  describe('round trips', () => {
    const names = ['k', 'name.with-punct_uation!', '鍵', 'é'.repeat(125), 'x'.repeat(MAX_NAME_BYTES), '🙂🙃'];
    const values = ['v', 'hello world', 'a\tb', 'trailing  \t', 'ünïcødé ✓', 'HTTP/1.1', '"quoted" \\ back', 'ÿ'];

    it('gives back the name and value a STORE line was formatted from', () => {
      for (const name of names) {
        for (const value of values) {
          for (const separator of [' ', '\t', ' \t  ']) {
            expect(parse(`STORE${separator}${name}${separator}${value}`)).toEqual({ op: Op.Store, name, value });
          }
        }
        expect(parse(`GET ${name}`)).toEqual({ op: Op.Get, name });
        expect(parse(`EXISTS ${name}`)).toEqual({ op: Op.Exists, name });
      }
    });

    it('serves a parsed value back as the GET reply unchanged', () => {
      for (const value of values) {
        const parsed = parse(`STORE k ${value}`);
        expect(parsed !== null && 'value' in parsed ? formatGet(parsed.value) : undefined).toBe(value);
      }
      expect(formatGet(undefined)).toBe('');
    });
  });
});
