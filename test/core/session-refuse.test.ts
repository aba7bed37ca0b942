import { describe, expect, it } from 'vitest';
import { Engine } from '../../core/engine.js';
import { Name } from '../../core/name.js';
import { LineSession } from '../../core/session.js';
import { MemoryStore } from '../../core/store/memory-store.js';
import { Transport, type Validation, Verdict } from '../../core/validation/validation.js';
import { RecordingPeer } from '../helpers/recording-peer.js';

/** Allows every STORE, when the test says so. */
class GateValidation implements Validation {
  private readonly waiting: (() => void)[] = [];
  check(): Promise<Verdict> {
    return new Promise((resolve) => this.waiting.push(() => resolve(Verdict.Allow)));
  }
  releaseAll(): void {
    for (const release of this.waiting.splice(0)) release();
  }
}

const line = (text: string): Buffer => Buffer.from(`${text}\n`);
const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('LineSession.refuse', () => {
  it('answers ERROR at once when nothing is waiting', () => {
    const peer = new RecordingPeer({ transport: Transport.Ws, remoteAddress: '127.0.0.1', user: 'default' });
    const session = new LineSession(new Engine(new MemoryStore()), peer, { maxLineBytes: 100 });
    session.receive(line('PING'));
    session.refuse('binary messages are not supported');
    session.receive(line('PING'));
    expect(peer.written).toEqual(['PONG', 'ERROR binary messages are not supported', 'PONG']);
  });

  it('keeps its place behind a STORE that waits and lines held back by it', async () => {
    const peer = new RecordingPeer({ transport: Transport.Ws, remoteAddress: '127.0.0.1', user: 'default' });
    const validation = new GateValidation();
    const store = new MemoryStore();
    const session = new LineSession(new Engine(store, validation), peer, { maxLineBytes: 100 });
    session.receive(line('STORE a 1'));
    session.receive(line('GET a'));
    session.refuse('no');
    session.receive(line('PING'));
    await settle();
    expect(peer.written).toEqual([]);
    validation.releaseAll();
    await settle();
    expect(peer.written).toEqual(['W00T!', '1', 'ERROR no', 'PONG']);
    expect(store.get(Name.of('a'))).toBe('1');
  });

  it('answers nothing once the session is closing', () => {
    const peer = new RecordingPeer({ transport: Transport.Ws, remoteAddress: '127.0.0.1', user: 'default' });
    const session = new LineSession(new Engine(new MemoryStore()), peer, { maxLineBytes: 100 });
    session.receive(line('QUIT'));
    session.refuse('late');
    expect(peer.written).toEqual([]);
  });
});
