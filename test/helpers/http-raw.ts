// Raw HTTP/1.1 over a socket, for what fetch hides: when a response comes
// while the request body is still being sent, and whether the server closes.

import net from 'node:net';

const DEFAULT_TIMEOUT_MS = 5000;

export interface RawResponse {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: string;
}

export class RawHttp {
  private buffered = Buffer.alloc(0);
  private waiter: (() => void) | null = null;
  private ended = false;

  private constructor(readonly socket: net.Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.buffered = Buffer.concat([this.buffered, chunk]);
      this.waiter?.();
    });
    socket.on('close', () => {
      this.ended = true;
      this.waiter?.();
    });
    socket.on('error', () => {});
  }

  static connect(port: number): Promise<RawHttp> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ port, host: '127.0.0.1' }, () => resolve(new RawHttp(socket)));
      socket.once('error', reject);
    });
  }

  get closed(): boolean {
    return this.ended;
  }

  write(data: string | Buffer): void {
    if (!this.socket.destroyed) this.socket.write(data);
  }

  /** The next response (its body by Content-Length); rejects after the deadline. */
  response(timeoutMs = DEFAULT_TIMEOUT_MS): Promise<RawResponse> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiter = null;
        reject(new Error(`no complete response within ${timeoutMs} ms: ${this.buffered.toString('latin1')}`));
      }, timeoutMs);
      const check = (): void => {
        const parsed = this.parse();
        if (parsed !== null) {
          clearTimeout(timer);
          this.waiter = null;
          resolve(parsed);
        } else if (this.ended) {
          clearTimeout(timer);
          this.waiter = null;
          reject(new Error(`connection closed before a complete response: ${this.buffered.toString('latin1')}`));
        }
      };
      this.waiter = check;
      check();
    });
  }

  /** Resolves when the server has closed the connection; rejects after the deadline. */
  waitClosed(timeoutMs = DEFAULT_TIMEOUT_MS): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`still open after ${timeoutMs} ms`)), timeoutMs);
      const check = (): void => {
        if (!this.ended) return;
        clearTimeout(timer);
        resolve();
      };
      this.waiter = check;
      check();
    });
  }

  close(): void {
    this.socket.destroy();
  }

  private parse(): RawResponse | null {
    const end = this.buffered.indexOf('\r\n\r\n');
    if (end === -1) return null;
    const [statusLine, ...lines] = this.buffered.toString('latin1', 0, end).split('\r\n');
    const headers: Record<string, string> = {};
    for (const line of lines) {
      const colon = line.indexOf(':');
      headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
    }
    const length = Number(headers['content-length'] ?? 0);
    if (this.buffered.length < end + 4 + length) return null;
    const body = this.buffered.toString('utf8', end + 4, end + 4 + length);
    this.buffered = this.buffered.subarray(end + 4 + length);
    return { status: Number(statusLine?.split(' ')[1]), headers, body };
  }
}
