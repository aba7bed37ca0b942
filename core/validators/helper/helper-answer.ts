// A helper's answer line, `<id> JNHP:<int>` (SPEC section 4): the request id,
// then the verdict, non-zero allows and 0 refuses. Read from the bytes of the
// line without making a string of it: helpers answer thousands a second.

const SPACE = 0x20;
const TAB = 0x09;
const ZERO = 0x30;
const NINE = 0x39;
const PLUS = 0x2b;
const MINUS = 0x2d;
const PREFIX = Buffer.from('JNHP:', 'latin1');
/** Ids are safe integers; a longer run of digits is not one of ours. */
const MAX_ID_DIGITS = 15;

/** Filled by `parseHelperAnswer`; one instance is reused for every line. */
export class HelperAnswer {
  id = 0;
  allow = false;
}

const isBlank = (byte: number | undefined): boolean => byte === SPACE || byte === TAB;
const isDigit = (byte: number | undefined): boolean => byte !== undefined && byte >= ZERO && byte <= NINE;

/** True when `buf[start, end)` is an answer line; its id and verdict are then in `out`. */
export function parseHelperAnswer(buf: Buffer, start: number, end: number, out: HelperAnswer): boolean {
  let i = start;
  while (i < end && isBlank(buf[i])) i++;
  let id = 0;
  const idStart = i;
  while (i < end && isDigit(buf[i])) id = id * 10 + ((buf[i++] as number) - ZERO);
  if (i === idStart || i - idStart > MAX_ID_DIGITS || !isBlank(buf[i])) return false;
  while (i < end && isBlank(buf[i])) i++;
  if (end - i < PREFIX.length || buf.compare(PREFIX, 0, PREFIX.length, i, i + PREFIX.length) !== 0) return false;
  i += PREFIX.length;
  if (buf[i] === PLUS || buf[i] === MINUS) i++;
  let nonZero = false;
  const digitsStart = i;
  for (; i < end && isDigit(buf[i]); i++) if (buf[i] !== ZERO) nonZero = true;
  if (i === digitsStart) return false;
  while (i < end && isBlank(buf[i])) i++;
  if (i !== end) return false;
  out.id = id;
  out.allow = nonZero;
  return true;
}
