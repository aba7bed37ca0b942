// A JNHP WebSocket client for tests: sends text or binary messages, reads
// reply messages, and waits for everything with a deadline.

import WebSocket, { type ClientOptions } from 'ws';

const DEFAULT_TIMEOUT_MS = 5000;

export class WsClient {
  private readonly messages: string[] = [];
  private waiter: (() => void) | null = null;
  /** The close code, once the connection closed. */
  closeCode: number | null = null;
  readonly done: Promise<number>;

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data: Buffer) => {
      this.messages.push(data.toString('utf8'));
      this.waiter?.();
    });
    this.done = new Promise((resolve) => {
      ws.once('close', (code: number) => {
        this.closeCode = code;
        this.waiter?.();
        resolve(code);
      });
    });
    ws.on('error', () => {});
  }

  /** `secure`: wss:// (give the CA in `ca`). */
  static connect(port: number, options: ClientOptions & { path?: string; secure?: boolean } = {}): Promise<WsClient> {
    return new Promise((resolve, reject) => {
      const scheme = options.secure === true ? 'wss' : 'ws';
      const ws = new WebSocket(`${scheme}://127.0.0.1:${port}${options.path ?? '/ws'}`, options);
      ws.once('open', () => resolve(new WsClient(ws)));
      ws.once('error', reject);
      ws.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused: ${res.statusCode}`)));
    });
  }

  send(data: string | Buffer, binary = false): void {
    this.ws.send(data, { binary });
  }

  /** Sends one message and reads one reply. */
  async request(text: string, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<string> {
    this.send(text);
    return (await this.read(1, timeoutMs))[0] as string;
  }

  /** The next `count` reply messages; rejects if they do not all come in time. */
  read(count: number, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<string[]> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiter = null;
        reject(new Error(`expected ${count} messages, got ${this.messages.length} within ${timeoutMs} ms`));
      }, timeoutMs);
      const check = (): void => {
        if (this.messages.length >= count) {
          clearTimeout(timer);
          this.waiter = null;
          resolve(this.messages.splice(0, count));
        } else if (this.closeCode !== null) {
          clearTimeout(timer);
          this.waiter = null;
          reject(new Error(`closed (${this.closeCode}) after ${this.messages.length} of ${count} messages`));
        }
      };
      this.waiter = check;
      check();
    });
  }

  /** Messages received and not read yet. */
  get unread(): readonly string[] {
    return this.messages;
  }

  /** Resolves with the close code; rejects after the deadline. */
  async waitClosed(timeoutMs = DEFAULT_TIMEOUT_MS): Promise<number> {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`still open after ${timeoutMs} ms`)), timeoutMs);
    });
    try {
      return await Promise.race([this.done, deadline]);
    } finally {
      clearTimeout(timer);
    }
  }

  close(): void {
    this.ws.terminate();
  }
}
