// The rules of SPEC section 1 for names and values, one function each, on the
// bytes that go on the wire: the line parser, REST and the client library all
// call these. No Node API here: the browser build of the client uses them too.

import { ErrorCode } from '../errors.js';
import { MAX_NAME_BYTES } from './limits.js';

/** Why a name or value is refused: the error code and the reason an `ERROR` line gives. */
export interface RuleBreak {
  readonly code: ErrorCode;
  readonly reason: string;
}

const broken = (code: ErrorCode, reason: string): RuleBreak => Object.freeze({ code, reason });

const NAME_EMPTY = broken(ErrorCode.BadName, 'name must not be empty');
const NAME_TOO_LONG = broken(ErrorCode.BadName, `name longer than ${MAX_NAME_BYTES} bytes`);
const NAME_SPACE = broken(ErrorCode.BadName, 'name holds a space');
const NAME_CONTROL = broken(ErrorCode.BadName, 'name holds a control character');
const NAME_NOT_UTF8 = broken(ErrorCode.InvalidUtf8, 'name is not valid UTF-8');
const VALUE_EMPTY = broken(ErrorCode.BadValue, 'value must not be empty');
const VALUE_LINE_BREAK = broken(ErrorCode.BadValue, 'value holds CR, LF or NUL');
const VALUE_NOT_UTF8 = broken(ErrorCode.InvalidUtf8, 'value is not valid UTF-8');

/** Why `bytes[start, end)` is not a valid name, or null: 1 to 250 bytes of UTF-8, none in 0x00–0x20 or 0x7F. */
export function checkName(bytes: Uint8Array, start: number, end: number): RuleBreak | null {
  if (end === start) return NAME_EMPTY;
  if (end - start > MAX_NAME_BYTES) return NAME_TOO_LONG;
  let i = start;
  while (i < end) {
    const c = bytes[i] as number;
    if (c < 0x80) {
      if (c <= 0x20 || c === 0x7f) return c === 0x20 ? NAME_SPACE : NAME_CONTROL;
      i++;
    } else {
      i = utf8SequenceEnd(bytes, i, end);
      if (i === -1) return NAME_NOT_UTF8;
    }
  }
  return null;
}

/** Why `bytes[start, end)` is not a storable value, or null: non-empty UTF-8 without CR, LF or NUL. */
export function checkValue(bytes: Uint8Array, start: number, end: number): RuleBreak | null {
  if (end === start) return VALUE_EMPTY;
  let i = start;
  while (i < end) {
    const c = bytes[i] as number;
    if (c < 0x80) {
      if (c === 0x0d || c === 0x0a || c === 0) return VALUE_LINE_BREAK;
      i++;
    } else {
      i = utf8SequenceEnd(bytes, i, end);
      if (i === -1) return VALUE_NOT_UTF8;
    }
  }
  return null;
}

/** A JS string may hold a lone surrogate, which no UTF-8 encodes (an encoder would silently replace it). */
const LONE_SURROGATE = /\p{Cs}/u;
const wellFormed = (text: string): boolean => {
  const native = (text as { isWellFormed?: () => boolean }).isWellFormed;
  return native === undefined ? !LONE_SURROGATE.test(text) : native.call(text);
};
const encoder = new TextEncoder();
/** Reused for every check: a string is encoded in place, without allocating. */
let scratch = new Uint8Array(1024);

/** `text` as UTF-8 in the scratch buffer: the byte count. */
function encode(text: string): number {
  // At most 3 bytes per UTF-16 unit.
  if (text.length * 3 > scratch.length) scratch = new Uint8Array(text.length * 3);
  return encoder.encodeInto(text, scratch).written;
}

/** checkName for a string, as its UTF-8 bytes. */
export function checkNameText(name: string): RuleBreak | null {
  if (!wellFormed(name)) return NAME_NOT_UTF8;
  // Past 250 UTF-16 units it is past 250 bytes: no need to encode all of it.
  if (name.length > MAX_NAME_BYTES) return NAME_TOO_LONG;
  const length = encode(name);
  return checkName(scratch, 0, length);
}

/** checkValue for a string, as its UTF-8 bytes. */
export function checkValueText(value: string): RuleBreak | null {
  if (!wellFormed(value)) return VALUE_NOT_UTF8;
  const length = encode(value); // before reading `scratch`: encode may replace it
  return checkValue(scratch, 0, length);
}

const isContinuation = (b: number | undefined): boolean => b !== undefined && (b & 0xc0) === 0x80;

/** The index after the well-formed UTF-8 sequence (RFC 3629) whose lead byte is at `i`, or -1. */
function utf8SequenceEnd(bytes: Uint8Array, i: number, end: number): number {
  const lead = bytes[i] as number;
  let length: number;
  let min = 0x80;
  let max = 0xbf;
  if (lead >= 0xc2 && lead <= 0xdf) length = 2;
  else if (lead >= 0xe0 && lead <= 0xef) {
    length = 3;
    if (lead === 0xe0)
      min = 0xa0; // overlong
    else if (lead === 0xed) max = 0x9f; // surrogates
  } else if (lead >= 0xf0 && lead <= 0xf4) {
    length = 4;
    if (lead === 0xf0)
      min = 0x90; // overlong
    else if (lead === 0xf4) max = 0x8f; // past U+10FFFF
  } else return -1;
  if (i + length > end) return -1;
  const second = bytes[i + 1] as number;
  if (second < min || second > max) return -1;
  for (let k = 2; k < length; k++) if (!isContinuation(bytes[i + k])) return -1;
  return i + length;
}
