// The byte-level rules of SPEC section 1 for names and values, shared by the
// line parser and the REST adapter.

export const MAX_NAME_BYTES = 250;
export const DEFAULT_MAX_LINE_BYTES = 65536;

/** Why `name` (whose UTF-8 encoding is `byteLength` bytes) is not a valid name, or null. */
export function nameProblem(name: string, byteLength: number): string | null {
  if (byteLength === 0) return 'name must not be empty';
  if (byteLength > MAX_NAME_BYTES) return `name longer than ${MAX_NAME_BYTES} bytes`;
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c <= 0x20 || c === 0x7f) return 'name holds whitespace or a control character';
  }
  return null;
}

/** Why `value` is not a storable value, or null. */
export function valueProblem(value: string): string | null {
  if (value.length === 0) return 'value must not be empty';
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c === 0x0d || c === 0x0a || c === 0) return 'value holds CR, LF or NUL';
  }
  return null;
}
