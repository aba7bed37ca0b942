// A JNHP client for tests: writes raw bytes, reads CRLF-terminated replies,
// and waits for everything with a deadline.

import net from 'node:net';
import tls from 'node:tls';

const DEFAULT_TIMEOUT_MS = 5000;

export class LineClient {
  private buffered = '';
  private readonly lines: string[] = [];
  private waiter: (() => void) | null = null;
  private ended = false;
  readonly socket: net.Socket;
  readonly done: Promise<void>;

  private constructor(socket: net.Socket) {
    this.socket = socket;
    socket.setEncoding('utf8');
    socket.on('data', (text: string) => {
      this.buffered += text;
      let nl = this.buffered.indexOf('\r\n');
      while (nl !== -1) {
        this.lines.push(this.buffered.slice(0, nl));
        this.buffered = this.buffered.slice(nl + 2);
        nl = this.buffered.indexOf('\r\n');
      }
      this.waiter?.();
    });
    this.done = new Promise((resolve) => {
      socket.once('close', () => {
        this.ended = true;
        this.waiter?.();
        resolve();
      });
    });
    socket.on('error', () => {});
  }

  static connect(port: number, host = '127.0.0.1'): Promise<LineClient> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ port, host }, () => resolve(new LineClient(socket)));
      socket.once('error', reject);
    });
  }

  /** Over TLS (`--tls-port`); `options` carry the client's `ca` and versions. */
  static connectTls(port: number, options: tls.ConnectionOptions = {}): Promise<LineClient> {
    return new Promise((resolve, reject) => {
      const socket: tls.TLSSocket = tls.connect({ port, host: '127.0.0.1', ...options }, () =>
        resolve(new LineClient(socket)),
      );
      socket.once('error', reject);
    });
  }

  /** True once the server closed the connection. */
  get closed(): boolean {
    return this.ended;
  }

  /** Bytes not yet ending in CRLF (a server must never leave any). */
  get partial(): string {
    return this.buffered;
  }

  send(data: string | Buffer): void {
    this.socket.write(data);
  }

  /** Sends one command line (CRLF added) and reads its reply. */
  async request(line: string, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<string> {
    this.send(`${line}\r\n`);
    return this.readLine(timeoutMs);
  }

  readLine(timeoutMs = DEFAULT_TIMEOUT_MS): Promise<string> {
    return this.readLines(1, timeoutMs).then((lines) => lines[0] as string);
  }

  /** The next `count` reply lines; rejects if they do not all come in time. */
  readLines(count: number, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<string[]> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiter = null;
        reject(new Error(`expected ${count} lines, got ${this.lines.length} within ${timeoutMs} ms`));
      }, timeoutMs);
      const check = (): void => {
        if (this.lines.length >= count) {
          clearTimeout(timer);
          this.waiter = null;
          resolve(this.lines.splice(0, count));
        } else if (this.ended) {
          clearTimeout(timer);
          this.waiter = null;
          reject(new Error(`connection closed after ${this.lines.length} of ${count} lines`));
        }
      };
      this.waiter = check;
      check();
    });
  }

  /** Resolves when the server has closed the connection; rejects after the deadline. */
  async waitClosed(timeoutMs = DEFAULT_TIMEOUT_MS): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`connection still open after ${timeoutMs} ms`)), timeoutMs);
    });
    try {
      await Promise.race([this.done, deadline]);
    } finally {
      clearTimeout(timer);
    }
  }

  close(): void {
    this.socket.destroy();
  }
}
