// The answer to an HTTP upgrade that is not taken: a status line, then close.

import type { Duplex } from 'node:stream';

/** `extraHeaders`: complete header lines, each ending in CRLF. */
export function refuseUpgrade(socket: Duplex, status: number, reason: string, extraHeaders = ''): void {
  socket.once('finish', () => socket.destroy());
  socket.end(`HTTP/1.1 ${status} ${reason}\r\n${extraHeaders}Connection: close\r\nContent-Length: 0\r\n\r\n`);
}
