import { describe, expect, it } from 'vitest';
import { Engine, type StoreOutcome } from '../../core/engine.js';
import { Name } from '../../core/name.js';
import { MemoryStore } from '../../core/store/memory-store.js';
import type { Validation, ValidationRequest, Verdict } from '../../core/validation/validation.js';

const client = { transport: 'tcp', remoteAddress: '127.0.0.1', user: 'default' } as const;

/** A validation whose verdicts the test gives by hand. */
function manualValidation(): { validation: Validation; asked: ValidationRequest[]; decide: (v: Verdict) => void } {
  const asked: ValidationRequest[] = [];
  const waiting: ((v: Verdict) => void)[] = [];
  return {
    asked,
    validation: {
      check: (request) => {
        asked.push(request);
        return new Promise((resolve) => waiting.push(resolve));
      },
    },
    decide: (v) => waiting.shift()?.(v),
  };
}

describe('Engine', () => {
  it('stores under the name it was given even when the caller reuses that Name before validation ends', async () => {
    const store = new MemoryStore();
    const { validation, asked, decide } = manualValidation();
    const engine = new Engine(store, validation);
    const line = Buffer.from('first');
    const name = new Name(line, 0, line.length);
    const outcome = engine.store(name, 'one', client);
    // The parser points its one Name at the next line straight away.
    await Promise.resolve();
    const next = Buffer.from('other');
    name.reset(next, 0, next.length);
    line.write('XXXXX');
    await new Promise((r) => setImmediate(r));
    expect(asked[0]?.name).toBe('first');
    decide('allow');
    expect(await outcome).toBe('stored');
    expect(store.get(Name.of('first'))).toBe('one');
    expect(store.get(Name.of('other'))).toBeUndefined();
  });

  it('runs no validator for a name that exists, and reports refusal and failure apart', async () => {
    const store = new MemoryStore();
    store.putIfAbsent(Name.of('taken'), 'v');
    const { validation, asked, decide } = manualValidation();
    const engine = new Engine(store, validation);
    expect(await engine.store(Name.of('taken'), 'w', client)).toBe('exists');
    expect(asked).toHaveLength(0);
    const refused = engine.store(Name.of('a'), 'v', client);
    await new Promise((r) => setImmediate(r));
    decide('refuse');
    expect(await refused).toBe('refused');
    const failed = engine.store(Name.of('b'), 'v', client);
    await new Promise((r) => setImmediate(r));
    decide('fail');
    expect(await failed).toBe('failed');
    expect(store.get(Name.of('a'))).toBeUndefined();
  });

  it('validates a STORE beside an earlier one in flight, but applies it and settles only after it', async () => {
    const store = new MemoryStore();
    const { validation, asked, decide } = manualValidation();
    validation.tryCheck = validation.check;
    const engine = new Engine(store, validation);
    let releaseEarlier!: () => void;
    const earlier = new Promise<void>((resolve) => {
      releaseEarlier = resolve;
    });
    let settled = false;
    const later = engine.store(Name.of('later'), 'v', client, earlier) as Promise<StoreOutcome>;
    later.then(() => {
      settled = true;
    });
    await new Promise((r) => setImmediate(r));
    expect(asked.map((r) => r.name)).toEqual(['later']);
    decide('allow');
    await new Promise((r) => setImmediate(r));
    expect(store.get(Name.of('later'))).toBeUndefined();
    expect(settled).toBe(false);
    releaseEarlier();
    expect(await later).toBe('stored');
    expect(store.get(Name.of('later'))).toBe('v');
  });

  it('settles a refused or existing STORE only after the earlier one, even when that one fails', async () => {
    const store = new MemoryStore();
    store.putIfAbsent(Name.of('taken'), 'v');
    const engine = new Engine(store, manualValidation().validation);
    let failEarlier!: (err: Error) => void;
    const earlier = new Promise<void>((_, reject) => {
      failEarlier = reject;
    });
    earlier.catch(() => {});
    let settled = false;
    const exists = engine.store(Name.of('taken'), 'w', client, earlier) as Promise<StoreOutcome>;
    exists.then(() => {
      settled = true;
    });
    await new Promise((r) => setImmediate(r));
    expect(settled).toBe(false);
    failEarlier(new Error('storage unavailable'));
    expect(await exists).toBe('exists');
  });

  it('queues a STORE that finds no free slot only once the earlier one has settled', async () => {
    const store = new MemoryStore();
    const { validation, asked, decide } = manualValidation();
    validation.tryCheck = () => null;
    const engine = new Engine(store, validation);
    let releaseEarlier!: () => void;
    const earlier = new Promise<void>((resolve) => {
      releaseEarlier = resolve;
    });
    const later = engine.store(Name.of('later'), 'v', client, earlier) as Promise<StoreOutcome>;
    await new Promise((r) => setImmediate(r));
    expect(asked).toHaveLength(0);
    releaseEarlier();
    await new Promise((r) => setImmediate(r));
    expect(asked.map((r) => r.name)).toEqual(['later']);
    decide('allow');
    expect(await later).toBe('stored');
  });
});
