// One line (without its line end) to one Command. Works on the bytes in
// place: a GET or EXISTS allocates only the small command and name objects;
// a STORE adds its value string.

import { isUtf8 } from 'node:buffer';
import { ErrorCode } from '../errors.js';
import { Name } from '../name.js';
import { type Command, Op } from './command.js';
import { MAX_NAME_BYTES } from './limits.js';

const SP = 0x20;
const TAB = 0x09;
const CR = 0x0d;
const DEL = 0x7f;
const LOWER = 0x20;
const CONTROL = 1;
const HIGH = 2;

/** What the last scanName saw: CONTROL and HIGH bits (a scratch slot, to return two values without allocating). */
let scanned = 0;

const PING: Command = { op: Op.Ping };
const QUIT: Command = { op: Op.Quit };
const HTTP: Command = { op: Op.Http };

/** HTTP methods other than GET (GET alone is a JNHP command). */
const HTTP_METHODS = new Set(['post', 'put', 'head', 'delete', 'options', 'patch', 'connect', 'trace', 'pri']);
const LONGEST_METHOD = 7;
const COLON = 0x3a;
const DASH = 0x2d;

function invalid(code: ErrorCode, reason: string): Command {
  return { op: Op.Invalid, code, reason };
}

function wrongArguments(word: string): Command {
  return invalid(ErrorCode.WrongArguments, `wrong number of arguments for ${word}`);
}

function skipBlanks(buf: Buffer, i: number, end: number): number {
  while (i < end) {
    const c = buf[i];
    if (c !== SP && c !== TAB) break;
    i++;
  }
  return i;
}

function skipWord(buf: Buffer, i: number, end: number): number {
  while (i < end) {
    const c = buf[i];
    if (c === SP || c === TAB) break;
    i++;
  }
  return i;
}

/** Case-insensitive match of `buf[start, end)` against a lower-case ASCII word. */
function isWord(buf: Buffer, start: number, end: number, word: string): boolean {
  if (end - start !== word.length) return false;
  for (let k = 0; k < word.length; k++) {
    if (((buf[start + k] as number) | LOWER) !== word.charCodeAt(k)) return false;
  }
  return true;
}

/** Skips a name starting at `i`, noting in `scanned` whether it holds control or non-ASCII bytes. */
function scanName(buf: Buffer, i: number, end: number): number {
  let flags = 0;
  while (i < end) {
    const c = buf[i] as number;
    if (c === SP || c === TAB) break;
    if (c < SP || c === DEL) flags |= CONTROL;
    else if (c >= 0x80) flags |= HIGH;
    i++;
  }
  scanned = flags;
  return i;
}

/**
 * Reusable results for one connection's parser: with it parseCommand
 * allocates nothing for a GET or EXISTS. What it returns is valid until the
 * next call with the same scratch.
 */
export class ParseScratch {
  readonly name = new Name(Buffer.alloc(0), 0, 0);
  readonly get: Command = { op: Op.Get, name: this.name };
  readonly exists: Command = { op: Op.Exists, name: this.name };
}

/** The name in `buf[start, end)` just scanned, or an Invalid command saying what is wrong with it. */
function readName(
  buf: Buffer,
  start: number,
  end: number,
  flags: number,
  scratch: ParseScratch | undefined,
): Name | Command {
  if (end - start > MAX_NAME_BYTES) {
    return invalid(ErrorCode.BadName, `name longer than ${MAX_NAME_BYTES} bytes`);
  }
  if (flags & CONTROL) return invalid(ErrorCode.BadName, 'name holds a control character');
  if (flags & HIGH && !isUtf8(buf.subarray(start, end))) {
    return invalid(ErrorCode.InvalidUtf8, 'name is not valid UTF-8');
  }
  if (scratch === undefined) return new Name(buf, start, end);
  scratch.name.reset(buf, start, end);
  return scratch.name;
}

function readValue(buf: Buffer, start: number, end: number): string | Command {
  let high = false;
  for (let i = start; i < end; i++) {
    const c = buf[i] as number;
    if (c === CR || c === 0) return invalid(ErrorCode.BadValue, 'value holds CR or NUL');
    if (c >= 0x80) high = true;
  }
  if (!high) return buf.toString('latin1', start, end);
  if (!isUtf8(buf.subarray(start, end))) return invalid(ErrorCode.InvalidUtf8, 'value is not valid UTF-8');
  return buf.toString('utf8', start, end);
}

/** GET and EXISTS: exactly one argument, trailing blanks ignored. */
function parseNameCommand(
  op: typeof Op.Get | typeof Op.Exists,
  buf: Buffer,
  from: number,
  end: number,
  scratch: ParseScratch | undefined,
): Command {
  const nameStart = skipBlanks(buf, from, end);
  if (nameStart === end) return wrongArguments(op);
  const nameEnd = scanName(buf, nameStart, end);
  const flags = scanned;
  const rest = nameEnd === end ? end : skipBlanks(buf, nameEnd, end);
  if (rest !== end) {
    // `GET / HTTP/1.1` is a browser, not a client with too many arguments.
    if (op === Op.Get && looksLikeHttpVersion(buf, rest, end)) return HTTP;
    return wrongArguments(op);
  }
  const name = readName(buf, nameStart, nameEnd, flags, scratch);
  if (!(name instanceof Name)) return name;
  if (scratch !== undefined) return op === Op.Get ? scratch.get : scratch.exists;
  return op === Op.Get ? { op: Op.Get, name } : { op: Op.Exists, name };
}

function looksLikeHttpVersion(buf: Buffer, at: number, end: number): boolean {
  return end - at >= 5 && buf.toString('latin1', at, at + 5).toUpperCase() === 'HTTP/';
}

function parseStore(buf: Buffer, from: number, end: number, scratch: ParseScratch | undefined): Command {
  const nameStart = skipBlanks(buf, from, end);
  const nameEnd = scanName(buf, nameStart, end);
  const flags = scanned;
  const valueStart = skipBlanks(buf, nameEnd, end);
  if (nameStart === end || valueStart === end) return wrongArguments(Op.Store);
  const name = readName(buf, nameStart, nameEnd, flags, scratch);
  if (!(name instanceof Name)) return name;
  const value = readValue(buf, valueStart, end);
  if (typeof value !== 'string') return value;
  return { op: Op.Store, name, value };
}

function parseBare(op: typeof Op.Ping | typeof Op.Quit, buf: Buffer, from: number, end: number): Command {
  if (skipBlanks(buf, from, end) !== end) return wrongArguments(op);
  return op === Op.Ping ? PING : QUIT;
}

function parseAuth(buf: Buffer, from: number, end: number): Command {
  const tokenStart = skipBlanks(buf, from, end);
  const tokenEnd = skipWord(buf, tokenStart, end);
  if (tokenStart === end || skipBlanks(buf, tokenEnd, end) !== end) return wrongArguments(Op.Auth);
  return { op: Op.Auth, token: buf.toString('latin1', tokenStart, tokenEnd) };
}

const isLetter = (c: number): boolean => (c | LOWER) >= 0x61 && (c | LOWER) <= 0x7a;
const isDigit = (c: number): boolean => c >= 0x30 && c <= 0x39;

/** An HTTP header name (a letter, then ASCII letters, digits and `-`) and its `:`, as in `Host:`. */
function isHeaderName(buf: Buffer, start: number, end: number): boolean {
  if (!isLetter(buf[start] as number)) return false;
  for (let i = start + 1; i < end; i++) {
    const c = buf[i] as number;
    if (c === COLON) return true;
    if (!isLetter(c) && !isDigit(c) && c !== DASH) return false;
  }
  return false;
}

function isHttpMethod(buf: Buffer, start: number, end: number): boolean {
  return end - start <= LONGEST_METHOD && HTTP_METHODS.has(buf.toString('latin1', start, end).toLowerCase());
}

/** A first word that is no command: HTTP (SPEC section 1 says exactly which) or an ERROR. */
function parseUnknown(buf: Buffer, start: number, end: number): Command {
  if (isHttpMethod(buf, start, end) || isHeaderName(buf, start, end)) return HTTP;
  const word = buf.toString('utf8', start, Math.min(end, start + 64));
  const shown = word.replace(/[^\x21-\x7e]/g, '?');
  return invalid(ErrorCode.UnknownCommand, `unknown command '${shown}'`);
}

/**
 * Parses `buf[start, end)`; null for a line of only blanks, which gets no
 * reply. With a scratch, the command may be one of its reused objects.
 */
export function parseCommand(buf: Buffer, start: number, end: number, scratch?: ParseScratch): Command | null {
  const wordStart = skipBlanks(buf, start, end);
  if (wordStart === end) return null;
  const wordEnd = skipWord(buf, wordStart, end);
  switch (wordEnd - wordStart) {
    case 3:
      if (isWord(buf, wordStart, wordEnd, 'get')) return parseNameCommand(Op.Get, buf, wordEnd, end, scratch);
      break;
    case 4:
      if (isWord(buf, wordStart, wordEnd, 'ping')) return parseBare(Op.Ping, buf, wordEnd, end);
      if (isWord(buf, wordStart, wordEnd, 'quit')) return parseBare(Op.Quit, buf, wordEnd, end);
      if (isWord(buf, wordStart, wordEnd, 'auth')) return parseAuth(buf, wordEnd, end);
      break;
    case 5:
      if (isWord(buf, wordStart, wordEnd, 'store')) return parseStore(buf, wordEnd, end, scratch);
      break;
    case 6:
      if (isWord(buf, wordStart, wordEnd, 'exists')) return parseNameCommand(Op.Exists, buf, wordEnd, end, scratch);
      break;
  }
  return parseUnknown(buf, wordStart, wordEnd);
}
