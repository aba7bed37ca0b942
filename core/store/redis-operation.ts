// One store operation waiting on Redis: what to send, its deadline, how many
// times it was sent, and the Promise its caller waits on. Settles once;
// whatever comes later (a late reply, a timeout) is ignored.

import type { Deadlined, DeadlineList } from '../deadline-list.js';
import { storageUnavailable } from '../errors.js';

export const Kind = { Get: 0, Has: 1, Put: 2 } as const;
export type Kind = (typeof Kind)[keyof typeof Kind];

export class Operation<T> implements Deadlined {
  settled = false;
  /** Sends so far; replies to an earlier send are ignored. */
  attempt = 0;
  readonly promise: Promise<T>;
  private resolve!: (value: T) => void;
  private reject!: (err: unknown) => void;
  dueList: DeadlineList<Deadlined> | null = null;
  duePrev: Deadlined | null = null;
  dueNext: Deadlined | null = null;

  constructor(
    readonly deadline: number,
    private readonly timeoutError: () => Error,
  ) {
    this.promise = new Promise<T>((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
  }

  /** performance.now() milliseconds: its deadline (DeadlineList). */
  get at(): number {
    return this.deadline;
  }

  succeed(value: T): void {
    if (this.settled) return;
    this.settled = true;
    this.dueList?.remove(this);
    this.resolve(value);
  }

  fail(cause: unknown): void {
    if (this.settled) return;
    this.settled = true;
    this.dueList?.remove(this);
    this.reject(storageUnavailable(cause));
  }

  expire(): void {
    this.fail(this.timeoutError());
  }
}

/** A read: its key is an argument written in a KeyArena chunk, [argStart, argEnd). */
class KeyedRead<T> extends Operation<T> {
  constructor(
    readonly chunk: Buffer,
    readonly argStart: number,
    readonly argEnd: number,
    /** The key's length in UTF-8. */
    readonly keyBytes: number,
    deadline: number,
    timeoutError: () => Error,
  ) {
    super(deadline, timeoutError);
  }

  /** Where the key's bytes start in `chunk`. */
  get keyStart(): number {
    return this.argEnd - 2 - this.keyBytes;
  }

  /** The key as text (for commands ioredis encodes: one read each). */
  get key(): string {
    const start = this.keyStart;
    return this.chunk.toString('utf8', start, start + this.keyBytes);
  }
}

/** GET: the value, or undefined. */
export class Read extends KeyedRead<string | undefined> {
  readonly kind = Kind.Get;
}

/** EXISTS. */
export class Presence extends KeyedRead<boolean> {
  readonly kind = Kind.Has;
}

/** STORE: SET NX through the write script; true if this write stored the value. */
export class Write extends Operation<boolean> {
  readonly kind = Kind.Put;
  /** The record key of the call that carried its last send (null: none, or not sent yet), and its position there. */
  record: string | null = null;
  position = 0;
  /** Its sends before the last, as pairs of record key and position: what a re-send looks up. */
  earlier: (string | number)[] | null = null;

  constructor(
    /** Its key in Redis (RedisKeys). */
    readonly key: string,
    deadline: number,
    timeoutError: () => Error,
    readonly value: string,
  ) {
    super(deadline, timeoutError);
  }

  /** Notes that it is sent now, at `position` (from 1) of the call that leaves `record`. */
  sentIn(record: string | null, position: number): void {
    if (this.record !== null) {
      this.earlier ??= [];
      this.earlier.push(this.record, this.position);
    }
    this.record = record;
    this.position = position;
  }
}

export type AnyOperation = Read | Presence | Write;
