// A Peer for unit tests of LineSession: records the replies it flushed, in order.

import type { Peer } from '../../core/session.js';
import { type ClientInfo, Transport } from '../../core/validation/validation.js';

const LOCAL: ClientInfo = { transport: Transport.Tcp, remoteAddress: '127.0.0.1', user: 'default' };

export class RecordingPeer implements Peer {
  /** Replies written (flushed), in order. */
  readonly written: string[] = [];
  closed = false;
  private queued: string[] = [];

  constructor(readonly client: ClientInfo = LOCAL) {}

  send(reply: string): void {
    this.queued.push(reply);
  }
  flush(): void {
    this.written.push(...this.queued);
    this.queued = [];
  }
  pause(): void {}
  resume(): void {}
  close(): void {
    this.closed = true;
  }
}
