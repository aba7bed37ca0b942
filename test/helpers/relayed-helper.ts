// The test's side of test/fixtures/validators/relay-helper.mjs: sees each
// request a `helper:` hook gets, as it arrives, and answers it when the test
// says so.

import net from 'node:net';
import { fixture, waitUntil } from './validator-fixtures.js';

export interface RelayedRequest {
  readonly id: number;
  readonly name: string;
  readonly value: string;
  readonly user: string;
}

export class RelayedHelper {
  /** Every request so far, in arrival order. */
  readonly requests: RelayedRequest[] = [];
  private readonly sockets = new Set<net.Socket>();
  private readonly answered = new Set<number>();

  private constructor(private readonly server: net.Server) {
    server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
      socket.on('end', () => socket.end());
      let buffered = '';
      socket.setEncoding('utf8').on('data', (text: string) => {
        buffered += text;
        for (let nl = buffered.indexOf('\n'); nl !== -1; nl = buffered.indexOf('\n')) {
          this.requests.push(JSON.parse(buffered.slice(0, nl)) as RelayedRequest);
          buffered = buffered.slice(nl + 1);
        }
      });
    });
  }

  static async start(): Promise<RelayedHelper> {
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return new RelayedHelper(server);
  }

  /** The `--validator` SPEC of a helper relayed here. */
  get spec(): string {
    const { port } = this.server.address() as net.AddressInfo;
    return `helper:${process.execPath} ${fixture('relay-helper.mjs')} ${port}`;
  }

  /** Names asked, in arrival order. */
  get names(): string[] {
    return this.requests.map((r) => r.name);
  }

  /** Names asked and not answered yet. */
  get inFlight(): string[] {
    return this.requests.filter((r) => !this.answered.has(r.id)).map((r) => r.name);
  }

  waitForNames(count: number): Promise<void> {
    return waitUntil(() => this.requests.length >= count, `${count} requests at the helper; got ${this.names}`);
  }

  /** Answers the request for `name` (1 allows, 0 refuses); `after`: more output in the same write. */
  answer(name: string, verdict = 1, after = ''): void {
    const request = this.requests.find((r) => r.name === name && !this.answered.has(r.id));
    if (request === undefined) throw new Error(`no request for ${name} in flight; in flight: ${this.inFlight}`);
    if (this.sockets.size !== 1) throw new Error(`expected one helper process, have ${this.sockets.size}`);
    this.answered.add(request.id);
    for (const socket of this.sockets) socket.write(`${request.id} JNHP:${verdict}\n${after}`);
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
