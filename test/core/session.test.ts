import { describe, expect, it } from 'vitest';
import { Engine } from '../../core/engine.js';
import { storageUnavailable } from '../../core/errors.js';
import type { Name } from '../../core/name.js';
import { LineSession, type Peer, type SessionOptions } from '../../core/session.js';
import { MemoryStore } from '../../core/store/memory-store.js';
import type { Store } from '../../core/store/store.js';
import {
  type ClientInfo,
  Transport,
  type Validation,
  type ValidationRequest,
  type Verdict,
} from '../../core/validation/validation.js';

/** An in-memory transport: records what the session writes and asks for, in order. */
class MemoryPeer implements Peer {
  readonly client: ClientInfo = { transport: Transport.Tcp, remoteAddress: '127.0.0.1', user: 'default' };
  /** Replies written to the wire (flushed). */
  readonly written: string[] = [];
  /** Everything that happened: `reply:<text>` as written, `pause`, `resume`, `close`. */
  readonly events: string[] = [];
  private queued: string[] = [];
  paused = false;
  closed = false;

  send(reply: string): void {
    if (this.closed) throw new Error(`send after close: ${reply}`);
    this.queued.push(reply);
  }

  flush(): void {
    for (const reply of this.queued) {
      this.written.push(reply);
      this.events.push(`reply:${reply}`);
    }
    this.queued = [];
  }

  pause(): void {
    this.paused = true;
    this.events.push('pause');
  }

  resume(): void {
    this.paused = false;
    this.events.push('resume');
  }

  close(): void {
    if (this.queued.length > 0) throw new Error('close before the queued replies were flushed');
    this.closed = true;
    this.events.push('close');
  }

  count(event: string): number {
    return this.events.filter((e) => e === event).length;
  }
}

interface Call {
  readonly op: 'get' | 'has' | 'put';
  readonly name: string;
  readonly value?: string;
  resolve(result: unknown): void;
  reject(err: unknown): void;
}

/** A store whose every answer is a Promise the test settles by hand, in any order. */
class ManualStore implements Store {
  readonly calls: Call[] = [];

  get(name: Name): Promise<string | undefined> {
    return this.call('get', name);
  }

  has(name: Name): Promise<boolean> {
    return this.call('has', name);
  }

  putIfAbsent(name: Name, value: string): Promise<boolean> {
    return this.call('put', name, value);
  }

  async ping(): Promise<void> {}

  async close(): Promise<void> {}

  /** The `index`-th call, which must exist. */
  at(index: number): Call {
    const call = this.calls[index];
    if (call === undefined) throw new Error(`no store call #${index}; calls: ${this.describe()}`);
    return call;
  }

  describe(): string {
    return this.calls.map((c) => `${c.op} ${c.name}`).join(', ');
  }

  private call<T>(op: Call['op'], name: Name, value?: string): Promise<T> {
    // Copy the name now: the session hands names over in place.
    const text = name.text;
    return new Promise<T>((resolve, reject) => {
      this.calls.push({ op, name: text, value, resolve: resolve as (r: unknown) => void, reject });
    });
  }
}

/** A validation whose every verdict the test gives by hand. */
class ManualValidation implements Validation {
  readonly requests: { request: ValidationRequest; decide(verdict: Verdict): void }[] = [];

  check(request: ValidationRequest): Promise<Verdict> {
    return new Promise((resolve) => this.requests.push({ request, decide: resolve }));
  }
}

/** Lets settled Promises run their callbacks (and the session react to them). */
const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

function session(store: Store, options: Partial<SessionOptions> = {}, validation: Validation | null = null) {
  const peer = new MemoryPeer();
  const engine = new Engine(store, validation);
  const lines = new LineSession(engine, peer, { maxLineBytes: 1024, ...options });
  const send = (text: string): void => lines.receive(Buffer.from(text, 'utf8'));
  return { peer, session: lines, send };
}

describe('LineSession', () => {
  describe('with a synchronous store', () => {
    it('answers the seed transcript', () => {
      const { peer, send } = session(new MemoryStore());
      send('STORE foo bar\r\nSTORE foo baz\r\nEXISTS foo\r\nGET foo\r\nGET nothing\r\nEXISTS nothing\r\nPING\r\n');
      expect(peer.written).toEqual(['W00T!', 'RARGH!', 'AWESOME!', 'bar', '', 'RARGH!', 'PONG']);
    });

    it('answers the same whether the input comes whole or a byte at a time', () => {
      const input = 'STORE k hello  world \r\nget k\nFROB\n\n  \nEXISTS k\r\nSTORE k again\r\nPING\r\n';
      const whole = session(new MemoryStore());
      whole.send(input);
      const bytewise = session(new MemoryStore());
      for (const byte of Buffer.from(input)) bytewise.session.receive(Buffer.from([byte]));
      expect(whole.peer.written).toEqual([
        'W00T!',
        'hello  world ',
        "ERROR unknown command 'FROB'",
        'AWESOME!',
        'RARGH!',
        'PONG',
      ]);
      expect(bytewise.peer.written).toEqual(whole.peer.written);
    });

    it('answers ERROR to a line longer than maxLineBytes and keeps going', () => {
      const { peer, send } = session(new MemoryStore(), { maxLineBytes: 32 });
      send(`STORE k ${'x'.repeat(100)}\r\nPING\r\n`);
      send(`GET ${'y'.repeat(20)}`);
      send(`${'y'.repeat(20)}\nGET k\n`);
      expect(peer.written).toEqual([
        'ERROR line longer than 32 bytes (see --max-line-bytes)',
        'PONG',
        'ERROR line longer than 32 bytes (see --max-line-bytes)',
        '',
      ]);
    });

    it('writes the replies to one chunk in one flush', () => {
      const peer = new MemoryPeer();
      let flushes = 0;
      const flush = peer.flush.bind(peer);
      peer.flush = () => {
        flushes++;
        flush();
      };
      const lines = new LineSession(new Engine(new MemoryStore()), peer, { maxLineBytes: 1024 });
      lines.receive(Buffer.from('PING\nPING\nPING\n'));
      expect(peer.written).toEqual(['PONG', 'PONG', 'PONG']);
      expect(flushes).toBe(1);
    });

    it('flushes earlier replies on QUIT, then closes and runs nothing after it', () => {
      const store = new MemoryStore();
      const { peer, send, session: lines } = session(store);
      send('STORE a 1\r\nPING\r\nQUIT\r\nSTORE b 2\r\nPING\r\n');
      expect(peer.events).toEqual(['pause', 'reply:W00T!', 'reply:PONG', 'close']);
      expect(lines.isClosed).toBe(true);
      send('PING\r\n');
      expect(peer.written).toEqual(['W00T!', 'PONG']);
      expect(store.size).toBe(1);
    });

    it('closes without running anything from a line that looks like HTTP', () => {
      const store = new MemoryStore();
      const { peer, send } = session(store);
      send('POST /keys/x HTTP/1.1\r\nHost: x\r\n\r\nSTORE x smuggled\r\n');
      expect(peer.written).toEqual([]);
      expect(peer.closed).toBe(true);
      expect(store.size).toBe(0);
    });
  });

  describe('with a store that answers later', () => {
    it('keeps replies in command order when the store answers out of order', async () => {
      const store = new ManualStore();
      const { peer, send } = session(store);
      send('GET a\r\nEXISTS b\r\nGET c\r\nPING\r\n');
      expect(store.calls.map((c) => `${c.op} ${c.name}`)).toEqual(['get a', 'has b', 'get c']);
      store.at(2).resolve('C');
      await settle();
      expect(peer.written).toEqual([]);
      store.at(1).resolve(true);
      await settle();
      expect(peer.written).toEqual([]);
      store.at(0).resolve(undefined);
      await settle();
      expect(peer.written).toEqual(['', 'AWESOME!', 'C', 'PONG']);
    });

    it('holds a synchronous reply behind an earlier pending one', async () => {
      const store = new ManualStore();
      const { peer, send } = session(store);
      send('GET a\r\nPING\r\nFROB\r\n');
      expect(peer.written).toEqual([]);
      store.at(0).resolve('A');
      await settle();
      expect(peer.written).toEqual(['A', 'PONG', "ERROR unknown command 'FROB'"]);
    });

    it('answers ERROR in its place when the store fails, never absent or exists', async () => {
      const store = new ManualStore();
      const errors: unknown[] = [];
      const { peer, send } = session(store, { onInternalError: (err) => errors.push(err) });
      send('GET a\r\nEXISTS a\r\nSTORE a v\r\nGET b\r\n');
      store.at(3).resolve('B');
      store.at(2).reject(storageUnavailable(new Error('connection lost')));
      store.at(1).reject(new Error('boom'));
      store.at(0).reject(storageUnavailable());
      await settle();
      expect(peer.written).toEqual([
        'ERROR storage unavailable',
        'ERROR internal error',
        'ERROR storage unavailable',
        'B',
      ]);
      expect(errors).toHaveLength(1);
    });

    it('passes single-step commands to the store without waiting for earlier ones', () => {
      const store = new ManualStore();
      const { send } = session(store);
      send('STORE a 1\r\nGET a\r\nSTORE b 2\r\n');
      expect(store.calls.map((c) => `${c.op} ${c.name}`)).toEqual(['put a', 'get a', 'put b']);
    });

    it('stops reading once maxPending replies wait, and reads on as they come', async () => {
      const store = new ManualStore();
      const { peer, send } = session(store, { maxPending: 4 });
      send(Array.from({ length: 10 }, (_, i) => `GET k${i}\r\n`).join(''));
      expect(store.calls).toHaveLength(4);
      expect(peer.events).toEqual(['pause']);
      send('PING\r\n');
      expect(store.calls).toHaveLength(4);
      store.at(0).resolve('v0');
      await settle();
      expect(store.calls).toHaveLength(5);
      expect(peer.written).toEqual(['v0']);
      expect(peer.paused).toBe(true);
      for (let i = 1; i < 10; i++) {
        store.at(i).resolve(`v${i}`);
        await settle();
      }
      expect(peer.written).toEqual([...Array.from({ length: 10 }, (_, i) => `v${i}`), 'PONG']);
      expect(peer.count('pause')).toBe(1);
      expect(peer.count('resume')).toBe(1);
      expect(peer.paused).toBe(false);
    });

    it('writes nothing for results that settle after the connection is gone', async () => {
      const store = new ManualStore();
      const { peer, send, session: lines } = session(store);
      send('GET a\r\n');
      lines.destroy();
      store.at(0).resolve('A');
      await settle();
      expect(peer.written).toEqual([]);
      send('PING\r\n');
      expect(peer.written).toEqual([]);
    });

    it('flushes earlier replies on QUIT once they come, then closes', async () => {
      const store = new ManualStore();
      const { peer, send } = session(store);
      send('GET a\r\nGET b\r\nQUIT\r\nGET c\r\n');
      expect(peer.closed).toBe(false);
      store.at(1).resolve('B');
      await settle();
      expect(peer.closed).toBe(false);
      store.at(0).resolve('A');
      await settle();
      expect(peer.events.filter((e) => e !== 'pause')).toEqual(['reply:A', 'reply:B', 'close']);
      expect(store.calls).toHaveLength(2);
    });

    it('answers everything at end of input, an unterminated last line included, then closes', async () => {
      const store = new ManualStore();
      const { peer, send, session: lines } = session(store);
      send('GET a\r\nPING\r\nGET b');
      lines.endOfInput();
      expect(store.calls.map((c) => c.name)).toEqual(['a', 'b']);
      expect(peer.closed).toBe(false);
      store.at(1).resolve('B');
      store.at(0).resolve('A');
      await settle();
      expect(peer.events.filter((e) => e !== 'pause')).toEqual(['reply:A', 'reply:PONG', 'reply:B', 'close']);
    });

    it('answers only complete lines on drain, then closes', async () => {
      const store = new ManualStore();
      const { peer, send, session: lines } = session(store);
      send('PING\r\nGET a\r\nGET partial');
      lines.drain();
      send('\r\nGET late\r\n');
      expect(store.calls.map((c) => c.name)).toEqual(['a']);
      store.at(0).resolve('A');
      await settle();
      expect(peer.events.filter((e) => e !== 'pause')).toEqual(['reply:PONG', 'reply:A', 'close']);
    });

    it('closes at once on drain when nothing is pending', () => {
      const { peer, session: lines } = session(new ManualStore());
      lines.drain();
      expect(peer.closed).toBe(true);
      expect(lines.isClosed).toBe(true);
    });
  });

  describe('with a transport that cannot write fast enough', () => {
    /** Reports itself congested once `room` replies wait unwritten, until the test lets them out. */
    class SlowPeer extends MemoryPeer {
      congested = false;
      private unwritten = 0;

      constructor(private readonly room: number) {
        super();
      }

      override send(reply: string): void {
        super.send(reply);
        if (++this.unwritten >= this.room) this.congested = true;
      }

      /** The wire took everything: not congested any more. */
      drained(): void {
        this.unwritten = 0;
        this.congested = false;
      }
    }

    function slow(room: number) {
      const peer = new SlowPeer(room);
      const lines = new LineSession(new Engine(new MemoryStore()), peer, { maxLineBytes: 1024 });
      return { peer, session: lines, send: (text: string) => lines.receive(Buffer.from(text)) };
    }

    it('stops running lines and reading while the transport is congested, and goes on when it is writable', () => {
      const { peer, session: lines, send } = slow(2);
      send('STORE k v\r\nGET k\r\nGET k\r\nPING\r\nEXISTS k\r\n');
      expect(peer.written).toEqual(['W00T!', 'v']);
      expect(peer.paused).toBe(true);
      send('GET k\r\n');
      expect(peer.written).toEqual(['W00T!', 'v']);
      peer.drained();
      lines.writable();
      expect(peer.written).toEqual(['W00T!', 'v', 'v', 'PONG']);
      expect(peer.paused).toBe(true);
      peer.drained();
      lines.writable();
      expect(peer.written).toEqual(['W00T!', 'v', 'v', 'PONG', 'AWESOME!', 'v']);
      peer.drained();
      lines.writable();
      expect(peer.paused).toBe(false);
      expect(peer.count('pause')).toBe(peer.count('resume'));
    });

    it('answers every line before closing at end of input, however often it is congested', () => {
      const { peer, session: lines, send } = slow(1);
      send('PING\r\nPING\r\nPING\r\nQUIT\r\nPING\r\n');
      lines.endOfInput();
      let rounds = 0;
      while (!peer.closed && rounds++ < 10) {
        peer.drained();
        lines.writable();
      }
      expect(peer.written).toEqual(['PONG', 'PONG', 'PONG']);
      expect(peer.closed).toBe(true);
    });
  });

  describe('STORE step by step, with a validation', () => {
    function validated() {
      const store = new ManualStore();
      const validation = new ManualValidation();
      return { store, validation, ...session(store, {}, validation) };
    }

    it('holds back later lines until a multi-step STORE is done, pausing input meanwhile', async () => {
      const { store, validation, peer, send } = validated();
      send('STORE k v\r\nGET k\r\nPING\r\n');
      expect(store.calls.map((c) => `${c.op} ${c.name}`)).toEqual(['has k']);
      expect(peer.events).toEqual(['pause']);
      store.at(0).resolve(false);
      await settle();
      expect(validation.requests).toHaveLength(1);
      expect(validation.requests[0]?.request).toEqual({
        name: 'k',
        value: 'v',
        client: { transport: 'tcp', remoteAddress: '127.0.0.1', user: 'default' },
      });
      expect(store.calls).toHaveLength(1);
      validation.requests[0]?.decide('allow');
      await settle();
      expect(store.at(1)).toMatchObject({ op: 'put', name: 'k', value: 'v' });
      expect(peer.written).toEqual([]);
      store.at(1).resolve(true);
      await settle();
      expect(peer.written).toEqual(['W00T!']);
      expect(store.at(2)).toMatchObject({ op: 'get', name: 'k' });
      expect(peer.events).toEqual(['pause', 'resume', 'reply:W00T!']);
      store.at(2).resolve('v');
      await settle();
      expect(peer.written).toEqual(['W00T!', 'v', 'PONG']);
    });

    it('answers RARGH! without asking the validators when the name exists', async () => {
      const { store, validation, peer, send } = validated();
      send('STORE k v\r\n');
      store.at(0).resolve(true);
      await settle();
      expect(peer.written).toEqual(['RARGH!']);
      expect(validation.requests).toHaveLength(0);
      expect(store.calls).toHaveLength(1);
    });

    it('answers RARGH! and stores nothing when a validator refuses or fails', async () => {
      const { store, validation, peer, send } = validated();
      send('STORE a v\r\nSTORE b v\r\n');
      store.at(0).resolve(false);
      await settle();
      validation.requests[0]?.decide('refuse');
      await settle();
      store.at(1).resolve(false);
      await settle();
      validation.requests[1]?.decide('fail');
      await settle();
      expect(peer.written).toEqual(['RARGH!', 'RARGH!']);
      expect(store.calls.map((c) => c.op)).toEqual(['has', 'has']);
    });

    it('answers RARGH! when another client stored the name during validation', async () => {
      const { store, validation, peer, send } = validated();
      send('STORE k v\r\n');
      store.at(0).resolve(false);
      await settle();
      validation.requests[0]?.decide('allow');
      await settle();
      store.at(1).resolve(false);
      await settle();
      expect(peer.written).toEqual(['RARGH!']);
    });

    it('answers ERROR when the store fails during a multi-step STORE, and goes on', async () => {
      const { store, peer, send } = validated();
      send('STORE k v\r\nPING\r\n');
      store.at(0).reject(storageUnavailable());
      await settle();
      expect(peer.written).toEqual(['ERROR storage unavailable', 'PONG']);
    });
  });
});
