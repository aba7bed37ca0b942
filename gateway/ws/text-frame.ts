// Server-to-client text frames (RFC 6455 section 5.2: FIN, opcode 1, no mask)
// encoded straight into held output, so that a burst of replies costs one
// buffer and one write, not two buffers and two writes per message.

import type { HeldOutput } from '../held-output.js';

const FIN_TEXT = 0x81;
/** Longest text whose UTF-8 surely fits a one-byte length (3 bytes per UTF-16 unit at most). */
const SHORT_TEXT = Math.floor(125 / 3);

/** Appends one text frame carrying `text` to `output`. */
export function holdTextFrame(output: HeldOutput, text: string): void {
  if (text.length <= SHORT_TEXT) {
    const buffer = output.reserve(2 + text.length * 3);
    const at = output.length;
    const n = text.length === 0 ? 0 : buffer.write(text, at + 2);
    buffer[at] = FIN_TEXT;
    buffer[at + 1] = n;
    output.length = at + 2 + n;
    return;
  }
  const n = Buffer.byteLength(text);
  const head = n < 126 ? 2 : n < 65536 ? 4 : 10;
  const buffer = output.reserve(head + n);
  const at = output.length;
  buffer[at] = FIN_TEXT;
  if (n < 126) {
    buffer[at + 1] = n;
  } else if (n < 65536) {
    buffer[at + 1] = 126;
    buffer.writeUInt16BE(n, at + 2);
  } else {
    buffer[at + 1] = 127;
    buffer.writeUInt32BE(0, at + 2);
    buffer.writeUInt32BE(n, at + 6);
  }
  buffer.write(text, at + head);
  output.length = at + head + n;
}
