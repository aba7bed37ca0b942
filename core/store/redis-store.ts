// Names in Redis, shared by every gateway that uses the same Redis and prefix.
// STORE is `SET key value NX` (in a script that also guards retries and
// deadlines, see redis-write-script.ts); GET and EXISTS map directly.
//
// Failures never give a false answer: while Redis is away commands fail at
// once with storage unavailable; a command whose reply was lost is re-sent
// only where that is safe (reads; a STORE, which recognises its own earlier
// write by its token) and only before its deadline; every operation ends by
// --store-timeout-ms. Commands are sent in call order on one connection, so
// a session's pipelined commands are applied in its order.

import { randomBytes } from 'node:crypto';
import { storageUnavailable } from '../errors.js';
import type { Name } from '../name.js';
import { type Deadlined, DeadlineQueue } from './deadline-queue.js';
import { DEFAULT_CACHE_BYTES, DEFAULT_CACHE_NAMES, NameCache } from './name-cache.js';
import { isReplyError, RedisConnection } from './redis-connection.js';
import { RedisKeys } from './redis-keys.js';
import { describeRedisTarget, parseRedisUrl, RedisMode, type RedisTarget } from './redis-url.js';
import { WRITE_SCRIPT_SHA, WriteResult } from './redis-write-script.js';
import type { MaybePromise, Store } from './store.js';
import type { StoreObserver } from './store-observer.js';

export interface RedisStoreOptions {
  /** --redis-url (see redis-url.ts for the forms). */
  readonly url: string;
  /** --redis-prefix */
  readonly prefix: string;
  /** --store-timeout-ms: the most any operation may take. */
  readonly timeoutMs: number;
  /** Names kept in the local cache of stored names (0: none). */
  readonly cacheNames?: number;
  /** Bytes of names and values the cache may hold. */
  readonly cacheBytes?: number;
  /** How often reachability is checked, in ms (default 1000). */
  readonly probeIntervalMs?: number;
  readonly observer?: StoreObserver;
}

const Kind = { Get: 0, Has: 1, Put: 2 } as const;
type Kind = (typeof Kind)[keyof typeof Kind];
type Result = string | boolean | undefined;

/**
 * Redis error codes (the first word of an error reply) of a server that
 * refuses writes for its own reasons: maxmemory reached, a replica, a failed
 * snapshot that stops writes, too few replicas.
 */
const WRITE_REFUSALS = new Set(['OOM', 'READONLY', 'MISCONF', 'NOREPLICAS', 'NOTENOUGHREPLICAS']);

/** The code of a Redis error reply: its first word, by Redis's convention (`OOM command not allowed ...`). */
function replyCode(err: Error): string {
  const space = err.message.indexOf(' ');
  return space === -1 ? err.message : err.message.slice(0, space);
}

/** ioredis's words for "this command was never written" (the connection was not ready). */
const NOT_SENT = /isn't writeable|enableOfflineQueue options is false|isn't ready/;

class Operation implements Deadlined {
  settled = false;
  /** Sends so far; replies to an earlier send are ignored. */
  attempt = 0;
  resolve!: (value: Result) => void;
  reject!: (err: unknown) => void;
  readonly promise = new Promise<Result>((resolve, reject) => {
    this.resolve = resolve;
    this.reject = reject;
  });

  constructor(
    readonly kind: Kind,
    readonly key: Buffer,
    readonly deadline: number,
    private readonly timeoutError: () => Error,
    readonly value: string = '',
    readonly tokenKey: Buffer | null = null,
    readonly token: string = '',
  ) {}

  succeed(value: Result): void {
    if (this.settled) return;
    this.settled = true;
    this.resolve(value);
  }

  fail(cause: unknown): void {
    if (this.settled) return;
    this.settled = true;
    this.reject(storageUnavailable(cause));
  }

  expire(): void {
    this.fail(this.timeoutError());
  }
}

export class RedisStore implements Store {
  readonly target: RedisTarget;
  private readonly connection: RedisConnection;
  private readonly keys: RedisKeys;
  private readonly cache: NameCache;
  private readonly inFlight = new DeadlineQueue<Operation>();
  private readonly timeoutMs: number;
  private readonly tokenTtlMs: number;
  private readonly tokenBase = `${randomBytes(12).toString('base64url')}.`;
  private readonly timeoutError: () => Error;
  private tokenCount = 0;
  /** Lost in flight, to be re-sent first on the next connection (standalone and Sentinel only). */
  private toResend: Operation[] = [];
  private closed = false;
  private readonly observer: StoreObserver | undefined;

  constructor(options: RedisStoreOptions) {
    this.observer = options.observer;
    this.target = parseRedisUrl(options.url);
    this.timeoutMs = options.timeoutMs;
    this.tokenTtlMs = 2 * options.timeoutMs + 1000;
    this.keys = new RedisKeys(options.prefix, this.target.mode === RedisMode.Cluster);
    this.cache = new NameCache({
      names: options.cacheNames ?? DEFAULT_CACHE_NAMES,
      bytes: options.cacheBytes ?? DEFAULT_CACHE_BYTES,
    });
    this.connection = new RedisConnection(
      this.target,
      {
        // Redis may have lost data while the gateway was away from it.
        connecting: () => this.cache.clear(),
        ready: () => this.resendLost(),
      },
      { timeoutMs: options.timeoutMs, probeIntervalMs: options.probeIntervalMs ?? 1000, observer: options.observer },
    );
    this.timeoutError = () => this.connection.timeoutError();
  }

  get(name: Name): MaybePromise<string | undefined> {
    const cached = this.cache.get(name.buf, name.start, name.end);
    if (cached !== undefined) return cached;
    if (!this.connection.usable) return this.unavailable();
    return this.start(new Operation(Kind.Get, this.keys.key(name), this.deadline(), this.timeoutError)) as Promise<
      string | undefined
    >;
  }

  has(name: Name): MaybePromise<boolean> {
    if (this.cache.get(name.buf, name.start, name.end) !== undefined) return true;
    if (!this.connection.usable) return this.unavailable();
    return this.start(
      new Operation(Kind.Has, this.keys.key(name), this.deadline(), this.timeoutError),
    ) as Promise<boolean>;
  }

  putIfAbsent(name: Name, value: string): MaybePromise<boolean> {
    if (this.cache.get(name.buf, name.start, name.end) !== undefined) return false;
    if (!this.connection.usable) return this.unavailable();
    const key = this.keys.key(name);
    const token = `${this.tokenBase}${(this.tokenCount++).toString(36)}`;
    const op = new Operation(Kind.Put, key, this.deadline(), this.timeoutError, value, this.keys.tokenKey(key), token);
    return this.start(op) as Promise<boolean>;
  }

  /** Resolves while Redis answers (within the last check), rejects with storage unavailable otherwise. */
  ping(): Promise<void> {
    return this.connection.usable ? Promise.resolve() : this.unavailable();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const op of this.toResend) op.fail(new Error('store closed'));
    this.toResend = [];
    await this.connection.close();
    for (const op of this.inFlight.takeAll()) op.fail(new Error('store closed'));
  }

  /** Names held by the local cache now (for tests and metrics). */
  get cachedNames(): number {
    return this.cache.size;
  }

  private deadline(): number {
    return performance.now() + this.timeoutMs;
  }

  private unavailable(): Promise<never> {
    return Promise.reject(storageUnavailable(this.connection.cause));
  }

  private start(op: Operation): Promise<Result> {
    this.inFlight.push(op);
    this.send(op);
    return op.promise;
  }

  private send(op: Operation): void {
    const attempt = ++op.attempt;
    const { client, clock, epoch } = this.connection;
    this.connection.batch();
    let reply: Promise<unknown>;
    switch (op.kind) {
      case Kind.Get:
        reply = client.get(op.key);
        break;
      case Kind.Has:
        reply = client.exists(op.key);
        break;
      case Kind.Put: {
        if (!clock.known) {
          op.fail(new Error("Redis's clock is not known yet"));
          return;
        }
        const deadline = String(clock.toRedis(op.deadline));
        reply =
          op.tokenKey === null
            ? client.evalsha(WRITE_SCRIPT_SHA, 1, op.key, op.value, op.token, deadline, this.tokenTtlMs)
            : client.evalsha(WRITE_SCRIPT_SHA, 2, op.key, op.tokenKey, op.value, op.token, deadline, this.tokenTtlMs);
        break;
      }
    }
    reply.then(
      (result) => {
        if (op.attempt === attempt) this.answer(op, result);
      },
      (err: unknown) => {
        if (op.attempt === attempt) this.failed(op, err, epoch);
      },
    );
  }

  private answer(op: Operation, result: unknown): void {
    const nameStart = this.keys.nameStart();
    switch (op.kind) {
      case Kind.Get:
        if (typeof result === 'string') {
          this.cache.add(op.key, nameStart, op.key.length, result);
          op.succeed(result);
        } else op.succeed(undefined);
        return;
      case Kind.Has:
        op.succeed(result === 1);
        return;
      case Kind.Put:
        switch (result as WriteResult) {
          case WriteResult.Stored:
          case WriteResult.StoredEarlier:
            this.cache.add(op.key, nameStart, op.key.length, op.value);
            op.succeed(true);
            return;
          case WriteResult.Taken:
            op.succeed(false);
            return;
          case WriteResult.TakenByUnknown:
            // On a first send the name was someone else's; on a re-send it may be ours, its token lost.
            if (op.attempt === 1) op.succeed(false);
            else op.fail(new Error('STORE re-sent after a lost reply: cannot tell whose value the name holds'));
            return;
          case WriteResult.Late:
            op.fail(this.timeoutError());
            return;
          default:
            op.fail(new Error(`unexpected answer from the write script: ${String(result)}`));
        }
    }
  }

  private failed(op: Operation, err: unknown, epoch: number): void {
    if (op.settled) return;
    if (isReplyError(err)) {
      // Redis answered with an error: the command ran (or not) and is not retried.
      const code = replyCode(err);
      if (code === 'NOSCRIPT') this.connection.reloadScript();
      else if (WRITE_REFUSALS.has(code)) {
        this.observer?.refused?.({ target: describeRedisTarget(this.target), code, cause: err });
      }
      op.fail(err);
      return;
    }
    const message = err instanceof Error ? err.message : '';
    const resendable =
      !this.closed &&
      this.target.mode !== RedisMode.Cluster &&
      !NOT_SENT.test(message) &&
      // Re-sent only when its connection is gone; on a live one, later commands are already behind it.
      this.connection.isGone(epoch) &&
      (op.kind !== Kind.Put || op.tokenKey !== null) &&
      performance.now() < op.deadline;
    if (!resendable) {
      op.fail(err);
      return;
    }
    // Lost in flight: re-send it on the next connection, before anything new.
    this.toResend.push(op);
    this.connection.lost(epoch);
  }

  /** Called once a new connection is set up, before it takes new commands: lost ones go first, in order. */
  private resendLost(): void {
    const resend = this.toResend;
    this.toResend = [];
    for (const op of resend) if (!op.settled) this.send(op);
  }
}
