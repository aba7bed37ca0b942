// WebSocket framing by hand (RFC 6455), for a client that must do what the
// `ws` client will not (never read) or must cost next to nothing (the bench):
// the handshake over a raw socket, client frames with an all-zero mask (so the
// payload goes out as is), and a reader of server frames.

import net from 'node:net';

export const Opcode = { Text: 0x1, Binary: 0x2, Close: 0x8, Ping: 0x9, Pong: 0xa } as const;

/** One client frame (FIN set, masked with the zero key) carrying `payload`. */
export function clientFrame(payload: string | Buffer, opcode: number = Opcode.Text): Buffer {
  const data = typeof payload === 'string' ? Buffer.from(payload) : payload;
  const n = data.length;
  const head = n < 126 ? 2 : n < 65536 ? 4 : 10;
  const frame = Buffer.alloc(head + 4 + n);
  frame[0] = 0x80 | opcode;
  if (n < 126) {
    frame[1] = 0x80 | n;
  } else if (n < 65536) {
    frame[1] = 0x80 | 126;
    frame.writeUInt16BE(n, 2);
  } else {
    frame[1] = 0x80 | 127;
    frame.writeBigUInt64BE(BigInt(n), 2);
  }
  data.copy(frame, head + 4);
  return frame;
}

/** Calls `onFrame` for every complete server (unmasked) frame fed to it, in order. */
export class FrameReader {
  private rest: Buffer | null = null;

  constructor(private readonly onFrame: (opcode: number, buf: Buffer, start: number, end: number) => void) {}

  feed(chunk: Buffer): void {
    const buf = this.rest === null ? chunk : Buffer.concat([this.rest, chunk]);
    this.rest = null;
    let at = 0;
    while (buf.length - at >= 2) {
      const opcode = (buf[at] as number) & 0x0f;
      let n = (buf[at + 1] as number) & 0x7f;
      let head = 2;
      if (n === 126) {
        if (buf.length - at < 4) break;
        n = buf.readUInt16BE(at + 2);
        head = 4;
      } else if (n === 127) {
        if (buf.length - at < 10) break;
        n = Number(buf.readBigUInt64BE(at + 2));
        head = 10;
      }
      if (buf.length - at < head + n) break;
      this.onFrame(opcode, buf, at + head, at + head + n);
      at += head + n;
    }
    if (at < buf.length) this.rest = buf.subarray(at);
  }
}

/** Opens a socket and completes the WebSocket handshake on `path`; resolves with the socket and any bytes after it. */
export function rawWebSocket(port: number, path = '/ws'): Promise<{ socket: net.Socket; head: Buffer }> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ port, host: '127.0.0.1', noDelay: true });
    let received = Buffer.alloc(0);
    const onData = (chunk: Buffer): void => {
      received = Buffer.concat([received, chunk]);
      const end = received.indexOf('\r\n\r\n');
      if (end === -1) return;
      socket.off('data', onData);
      const status = received.toString('latin1', 0, received.indexOf('\r\n'));
      if (!status.startsWith('HTTP/1.1 101')) {
        socket.destroy();
        reject(new Error(`handshake refused: ${status}`));
        return;
      }
      resolve({ socket, head: received.subarray(end + 4) });
    };
    socket.on('data', onData);
    socket.once('error', reject);
    socket.once('connect', () => {
      socket.write(
        `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
          'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
      );
    });
  });
}
