// Validated STOREs of one connection validated side by side (SPEC section 1,
// "Order and concurrency"; docs/validators.md): through a real
// ValidationPolicy, with hooks the test answers by hand.

import { describe, expect, it } from 'vitest';
import { Engine } from '../../core/engine.js';
import { Name } from '../../core/name.js';
import { LineSession } from '../../core/session.js';
import { MemoryStore } from '../../core/store/memory-store.js';
import { STORES_AHEAD } from '../../core/stores-in-flight.js';
import type { ValidationRequest } from '../../core/validation/validation.js';
import { ValidationPolicy } from '../../core/validation/validation-policy.js';
import type { Validator } from '../../core/validation/validator.js';
import { RecordingPeer } from '../helpers/recording-peer.js';

/** A hook whose calls wait until the test answers them, by name. */
class HeldHook implements Validator {
  readonly name = 'held';
  /** Names asked, in order. */
  readonly asked: string[] = [];
  private readonly answers = new Map<string, (allowed: boolean) => void>();

  decide(request: ValidationRequest): Promise<boolean> {
    this.asked.push(request.name);
    return new Promise((resolve) => this.answers.set(request.name, resolve));
  }

  /** Names asked and not answered yet. */
  get inFlight(): string[] {
    return [...this.answers.keys()];
  }

  answer(name: string, allowed = true): void {
    const resolve = this.answers.get(name);
    if (resolve === undefined) throw new Error(`${name} is not in flight; in flight: ${this.inFlight.join(', ')}`);
    this.answers.delete(name);
    resolve(allowed);
  }
}

const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

function gateway(concurrency: number) {
  const store = new MemoryStore();
  const hook = new HeldHook();
  const policy = new ValidationPolicy([hook], { timeoutMs: 60_000, concurrency, queue: 100, failure: 'closed' });
  const engine = new Engine(store, policy);
  const connect = () => {
    const peer = new RecordingPeer();
    const session = new LineSession(engine, peer, { maxLineBytes: 1024 });
    return { peer, session, send: (text: string) => session.receive(Buffer.from(text)) };
  };
  const stored = (name: string): string | undefined => store.get(Name.of(name)) as string | undefined;
  return { hook, connect, stored };
}

describe('validated STOREs of one connection', () => {
  it('are validated side by side, applied in order, and answered in order', async () => {
    const { hook, connect, stored } = gateway(8);
    const { peer, send } = connect();
    send('STORE a 1\r\nSTORE b 2\r\nSTORE c 3\r\n');
    await turn();
    expect(hook.inFlight).toEqual(['a', 'b', 'c']);
    hook.answer('c');
    hook.answer('b', false);
    await turn();
    // c passed validation first, but a is not applied yet: neither is c.
    expect(stored('c')).toBeUndefined();
    expect(peer.written).toEqual([]);
    hook.answer('a');
    await turn();
    expect(peer.written).toEqual(['W00T!', 'RARGH!', 'W00T!']);
    expect([stored('a'), stored('b'), stored('c')]).toEqual(['1', undefined, '3']);
  });

  it('hold any other command until every STORE in flight is done, and STOREs after it too', async () => {
    const { hook, connect } = gateway(8);
    const { peer, send } = connect();
    send('STORE a 1\r\nSTORE b 2\r\nGET b\r\nEXISTS a\r\nSTORE c 3\r\n');
    await turn();
    expect(hook.inFlight).toEqual(['a', 'b']);
    hook.answer('b');
    await turn();
    expect(hook.inFlight).toEqual(['a']);
    hook.answer('a');
    await turn();
    expect(hook.inFlight).toEqual(['c']);
    expect(peer.written).toEqual(['W00T!', 'W00T!', '2', 'AWESOME!']);
    hook.answer('c');
    await turn();
    expect(peer.written).toEqual(['W00T!', 'W00T!', '2', 'AWESOME!', 'W00T!']);
  });

  it('validate a name stored twice in one pipeline once: the second waits and is RARGH!', async () => {
    const { hook, connect, stored } = gateway(8);
    const { peer, send } = connect();
    send('STORE a 1\r\nSTORE a 2\r\nSTORE b 3\r\n');
    await turn();
    expect(hook.inFlight).toEqual(['a']);
    hook.answer('a');
    await turn();
    expect(hook.inFlight).toEqual(['b']);
    hook.answer('b');
    await turn();
    expect(peer.written).toEqual(['W00T!', 'RARGH!', 'W00T!']);
    expect(hook.asked).toEqual(['a', 'b']);
    expect(stored('a')).toBe('1');
  });

  it('go ahead only into free slots: a busy hook serves another connection before a second STORE of the first', async () => {
    const { hook, connect } = gateway(1);
    const first = connect();
    const second = connect();
    first.send('STORE a 1\r\nSTORE b 2\r\n');
    await turn();
    second.send('STORE c 3\r\n');
    await turn();
    expect(hook.asked).toEqual(['a']);
    hook.answer('a');
    await turn();
    expect(hook.asked).toEqual(['a', 'c']);
    hook.answer('c');
    await turn();
    expect(hook.asked).toEqual(['a', 'c', 'b']);
    hook.answer('b');
    await turn();
    expect(first.peer.written).toEqual(['W00T!', 'W00T!']);
    expect(second.peer.written).toEqual(['W00T!']);
  });

  it(`run at most ${STORES_AHEAD} at once per connection`, async () => {
    const { hook, connect } = gateway(64);
    const { peer, send } = connect();
    const names = Array.from({ length: STORES_AHEAD + 4 }, (_, i) => `n${i}`);
    send(names.map((n) => `STORE ${n} v\r\n`).join(''));
    await turn();
    expect(hook.inFlight).toHaveLength(STORES_AHEAD);
    hook.answer('n0');
    await turn();
    expect(hook.inFlight).toHaveLength(STORES_AHEAD);
    for (const name of names.slice(1)) {
      if (hook.inFlight.includes(name)) hook.answer(name);
      else {
        await turn();
        hook.answer(name);
      }
    }
    await turn();
    expect(peer.written).toEqual(names.map(() => 'W00T!'));
  });

  it('answer a last line without its line end and a QUIT once the STOREs before them are done', async () => {
    const { hook, connect } = gateway(8);
    const { peer, session, send } = connect();
    send('STORE a 1\r\nSTORE b 2\r\nGET b');
    session.endOfInput();
    await turn();
    expect(hook.inFlight).toEqual(['a', 'b']);
    hook.answer('b');
    hook.answer('a');
    await turn();
    expect(peer.written).toEqual(['W00T!', 'W00T!', '2']);
    expect(peer.closed).toBe(true);

    const quitting = connect();
    quitting.send('STORE c 3\r\nSTORE d 4\r\nQUIT\r\nSTORE e 5\r\n');
    await turn();
    expect(hook.inFlight).toEqual(['c', 'd']);
    hook.answer('c');
    hook.answer('d');
    await turn();
    expect(quitting.peer.written).toEqual(['W00T!', 'W00T!']);
    expect(quitting.peer.closed).toBe(true);
    expect(hook.asked).not.toContain('e');
  });
});
