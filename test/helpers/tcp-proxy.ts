// A TCP proxy on 127.0.0.1 that a test can make misbehave: hold what the
// client sends, lose the server's next reply and cut the connection, refuse
// new connections. Used to lose a Redis reply at a chosen moment.

import net from 'node:net';

interface Pair {
  readonly client: net.Socket;
  readonly server: net.Socket;
  readonly held: Buffer[];
  /** A server reply for which this holds is lost (and the connection cut). */
  loseReply: ((reply: Buffer) => boolean) | null;
}

export class TcpProxy {
  private readonly pairs = new Set<Pair>();
  private holding = false;
  private refusing = false;
  private loseArmed: { request: (request: Buffer) => boolean; reply: (reply: Buffer) => boolean } | null = null;
  private loseTriggered = false;
  private readonly cutWaiters = new Set<() => void>();
  private readonly heldWaiters = new Set<() => void>();

  private constructor(
    private readonly listener: net.Server,
    readonly port: number,
    private readonly targetPort: number,
  ) {
    listener.on('connection', (client) => this.accept(client));
  }

  static start(targetPort: number): Promise<TcpProxy> {
    return new Promise((resolve, reject) => {
      const listener = net.createServer();
      listener.once('error', reject);
      listener.listen(0, '127.0.0.1', () => {
        resolve(new TcpProxy(listener, (listener.address() as net.AddressInfo).port, targetPort));
      });
    });
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** Keeps what clients send from now on, instead of forwarding it. */
  hold(): void {
    this.holding = true;
  }

  /** Forwards what was held, and everything from now on. */
  release(): void {
    this.holding = false;
    for (const pair of this.pairs) {
      for (const chunk of pair.held.splice(0)) pair.server.write(chunk);
    }
  }

  /**
   * Once a client sends bytes for which `request` holds, forwards them; then
   * drops the first server reply for which `reply` holds, cuts both
   * connections and refuses new ones until `admit()`.
   */
  loseReply(request: (request: Buffer) => boolean, reply: (reply: Buffer) => boolean = () => true): void {
    this.loseArmed = { request, reply };
    this.loseTriggered = false;
  }

  /** Cuts every connection now (what is held is dropped, holding ends) and refuses new ones until `admit()`. */
  cutAll(): void {
    this.refusing = true;
    this.holding = false;
    for (const pair of this.pairs) this.cut(pair);
  }

  admit(): void {
    this.refusing = false;
  }

  /** Resolves once the proxy has cut connections after losing a reply. */
  waitForCut(timeoutMs = 10_000): Promise<void> {
    return this.wait(this.cutWaiters, () => this.loseTriggered && this.pairs.size === 0, timeoutMs, 'no cut');
  }

  /** Resolves once bytes holding `text` are held back. */
  waitForHeld(text: string, timeoutMs = 10_000): Promise<void> {
    const held = (): boolean =>
      [...this.pairs].some((pair) => Buffer.concat(pair.held).toString('latin1').includes(text));
    return this.wait(this.heldWaiters, held, timeoutMs, `nothing held with '${text}'`);
  }

  close(): Promise<void> {
    for (const pair of this.pairs) this.cut(pair);
    return new Promise((resolve) => this.listener.close(() => resolve()));
  }

  private accept(client: net.Socket): void {
    if (this.refusing) {
      client.destroy();
      return;
    }
    const server = net.connect({ port: this.targetPort, host: '127.0.0.1' });
    const pair: Pair = { client, server, held: [], loseReply: null };
    this.pairs.add(pair);
    client.on('data', (chunk: Buffer) => {
      if (this.loseArmed?.request(chunk)) {
        pair.loseReply = this.loseArmed.reply;
        this.loseArmed = null;
      }
      if (this.holding && pair.loseReply === null) {
        pair.held.push(chunk);
        for (const w of this.heldWaiters) w();
      } else server.write(chunk);
    });
    server.on('data', (chunk: Buffer) => {
      if (!this.pairs.has(pair)) return;
      if (pair.loseReply?.(chunk)) {
        this.loseTriggered = true;
        this.refusing = true;
        this.cut(pair);
        return;
      }
      client.write(chunk);
    });
    const end = (): void => this.cut(pair);
    client.on('close', end).on('error', end);
    server.on('close', end).on('error', end);
  }

  private cut(pair: Pair): void {
    if (!this.pairs.delete(pair)) return;
    pair.client.destroy();
    pair.server.destroy();
    for (const w of this.cutWaiters) w();
  }

  private wait(waiters: Set<() => void>, done: () => boolean, timeoutMs: number, what: string): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = (): void => {
        if (!done()) return;
        clearTimeout(timer);
        waiters.delete(check);
        resolve();
      };
      const timer = setTimeout(() => {
        waiters.delete(check);
        reject(new Error(`${what} within ${timeoutMs} ms`));
      }, timeoutMs);
      waiters.add(check);
      check();
    });
  }
}
