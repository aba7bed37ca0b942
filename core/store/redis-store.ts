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
import { type Cluster, type Redis, ReplyError } from 'ioredis';
import { storageUnavailable } from '../errors.js';
import type { Name } from '../name.js';
import { type Deadlined, DeadlineQueue } from './deadline-queue.js';
import { DEFAULT_CACHE_BYTES, DEFAULT_CACHE_NAMES, NameCache } from './name-cache.js';
import { createRedisClient } from './redis-client.js';
import { RedisClock } from './redis-clock.js';
import { RedisKeys } from './redis-keys.js';
import { describeRedisTarget, parseRedisUrl, RedisMode, type RedisTarget } from './redis-url.js';
import { WRITE_SCRIPT, WRITE_SCRIPT_SHA, WriteResult } from './redis-write-script.js';
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

const REMIND_EVERY_MS = 30_000;

const Kind = { Get: 0, Has: 1, Put: 2 } as const;
type Kind = (typeof Kind)[keyof typeof Kind];
type Result = string | boolean | undefined;

/** ioredis's words for "this command was never written" (the connection was not ready). */
const NOT_SENT = /isn't writeable|enableOfflineQueue options is false|isn't ready/;

/** Redis answered with an error (as opposed to the connection failing). */
function isReplyError(err: unknown): err is Error {
  return err instanceof (ReplyError as typeof Error);
}

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
    readonly store: RedisStore,
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
    this.fail(this.store.timeoutError());
  }
}

export class RedisStore implements Store {
  readonly target: RedisTarget;
  private readonly client: Redis | Cluster;
  private readonly keys: RedisKeys;
  private readonly cache: NameCache;
  private readonly clock = new RedisClock();
  private readonly inFlight = new DeadlineQueue<Operation>();
  private readonly timeoutMs: number;
  private readonly tokenTtlMs: number;
  private readonly tokenBase = `${randomBytes(12).toString('base64url')}.`;
  private readonly description: string;
  private readonly observer: StoreObserver | undefined;
  private readonly probeTimer: NodeJS.Timeout;
  private tokenCount = 0;
  /** Lost in flight, to be re-sent first on the next connection (standalone and Sentinel only). */
  private toResend: Operation[] = [];
  /** Counts connections made and lost: work for an older one is dropped. */
  private epoch = 0;
  /** The current connection is set up (script loaded, clock read). */
  private connected = false;
  /** A reachability check has waited longer than the timeout. */
  private stalled = false;
  private usable = false;
  private everUsable = false;
  private downSince = performance.now();
  private lastReminder = Number.NEGATIVE_INFINITY;
  private cause: unknown = new Error('not connected to Redis yet');
  private probeSentAt: number | null = null;
  private errorSinceConnect = false;
  private scriptReloading = false;
  private closed = false;
  private corked: { uncork(): void } | null = null;

  constructor(options: RedisStoreOptions) {
    this.target = parseRedisUrl(options.url);
    this.description = describeRedisTarget(this.target);
    this.timeoutMs = options.timeoutMs;
    this.tokenTtlMs = 2 * options.timeoutMs + 1000;
    this.observer = options.observer;
    this.keys = new RedisKeys(options.prefix, this.target.mode === RedisMode.Cluster);
    this.cache = new NameCache({
      names: options.cacheNames ?? DEFAULT_CACHE_NAMES,
      bytes: options.cacheBytes ?? DEFAULT_CACHE_BYTES,
    });
    this.client = createRedisClient(this.target, options.timeoutMs);
    this.client.on('ready', () => this.onConnected());
    this.client.on('close', () => this.onDisconnected('connection lost'));
    const onError = (err: unknown): void => {
      this.cause = err;
      this.errorSinceConnect = true;
      if (!this.everUsable && !this.usable) {
        this.reportDown(isReplyError(err) ? 'Redis refused the connection' : 'Redis unreachable');
      }
    };
    this.client.on('error', onError);
    this.client.on('node error', onError);
    this.probeTimer = setInterval(() => this.probe(), options.probeIntervalMs ?? 1000);
    this.probeTimer.unref();
  }

  get(name: Name): MaybePromise<string | undefined> {
    const cached = this.cache.get(name.buf, name.start, name.end);
    if (cached !== undefined) return cached;
    if (!this.usable) return this.unavailable();
    return this.start(new Operation(Kind.Get, this.keys.key(name), this.deadline(), this)) as Promise<
      string | undefined
    >;
  }

  has(name: Name): MaybePromise<boolean> {
    if (this.cache.get(name.buf, name.start, name.end) !== undefined) return true;
    if (!this.usable) return this.unavailable();
    return this.start(new Operation(Kind.Has, this.keys.key(name), this.deadline(), this)) as Promise<boolean>;
  }

  putIfAbsent(name: Name, value: string): MaybePromise<boolean> {
    if (this.cache.get(name.buf, name.start, name.end) !== undefined) return false;
    if (!this.usable) return this.unavailable();
    const key = this.keys.key(name);
    const token = `${this.tokenBase}${(this.tokenCount++).toString(36)}`;
    const op = new Operation(Kind.Put, key, this.deadline(), this, value, this.keys.tokenKey(key), token);
    return this.start(op) as Promise<boolean>;
  }

  /** Resolves while Redis answers (within the last check), rejects with storage unavailable otherwise. */
  ping(): Promise<void> {
    return this.usable ? Promise.resolve() : this.unavailable();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.probeTimer);
    this.usable = false;
    this.connected = false;
    for (const op of this.toResend) op.fail(new Error('store closed'));
    this.toResend = [];
    const quit = this.client.quit().catch(() => undefined);
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, this.timeoutMs);
    });
    await Promise.race([quit, late]);
    clearTimeout(timer);
    this.client.disconnect();
    for (const op of this.inFlight.takeAll()) op.fail(new Error('store closed'));
  }

  /** Names held by the local cache now (for tests and metrics). */
  get cachedNames(): number {
    return this.cache.size;
  }

  /** The error behind an expired operation. */
  timeoutError(): Error {
    return new Error(`no answer from Redis within ${this.timeoutMs} ms (see --store-timeout-ms)`);
  }

  private deadline(): number {
    return performance.now() + this.timeoutMs;
  }

  private unavailable(): Promise<never> {
    return Promise.reject(storageUnavailable(this.cause));
  }

  private start(op: Operation): Promise<Result> {
    this.inFlight.push(op);
    this.send(op);
    return op.promise;
  }

  private send(op: Operation): void {
    const attempt = ++op.attempt;
    const epoch = this.epoch;
    const client = this.client;
    this.batch();
    let reply: Promise<unknown>;
    switch (op.kind) {
      case Kind.Get:
        reply = client.get(op.key);
        break;
      case Kind.Has:
        reply = client.exists(op.key);
        break;
      case Kind.Put: {
        if (!this.clock.known) {
          op.fail(new Error("Redis's clock is not known yet"));
          return;
        }
        const deadline = String(this.clock.toRedis(op.deadline));
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
      if (err.message.startsWith('NOSCRIPT')) this.reloadScript();
      op.fail(err);
      return;
    }
    const message = err instanceof Error ? err.message : '';
    const resendable =
      !this.closed &&
      this.target.mode !== RedisMode.Cluster &&
      !NOT_SENT.test(message) &&
      // Re-sent only when its connection is gone; on a live one, later commands are already behind it.
      (epoch !== this.epoch || (this.client as Redis).status !== 'ready') &&
      (op.kind !== Kind.Put || op.tokenKey !== null) &&
      performance.now() < op.deadline;
    if (!resendable) {
      op.fail(err);
      return;
    }
    // Lost in flight: re-send it on the next connection, before anything new.
    this.toResend.push(op);
    if (epoch === this.epoch && this.connected) this.onDisconnected('connection lost');
  }

  private onConnected(): void {
    if (this.closed) return;
    const epoch = ++this.epoch;
    this.connected = false;
    this.errorSinceConnect = false;
    this.cache.clear();
    const sentAt = performance.now();
    const setup = Promise.all([this.loadScript(), this.client.time()]);
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(this.timeoutError()), this.timeoutMs);
    });
    Promise.race([setup, late]).then(
      ([, time]) => {
        clearTimeout(timer);
        if (epoch !== this.epoch || this.closed) return;
        this.clock.sample(time, sentAt, performance.now(), true);
        this.connected = true;
        this.stalled = false;
        // Lost commands first, in their order, so that each session's order holds.
        const resend = this.toResend;
        this.toResend = [];
        for (const op of resend) if (!op.settled) this.send(op);
        this.setUsable(true, '');
      },
      (err: unknown) => {
        clearTimeout(timer);
        if (epoch !== this.epoch || this.closed) return;
        this.cause = err;
        this.reportDown('Redis connected but not usable');
        // Make a new connection and try again.
        this.client.disconnect(true);
      },
    );
  }

  private onDisconnected(reason: string): void {
    if (!this.errorSinceConnect && this.connected) this.cause = new Error('the connection to Redis closed');
    this.epoch++;
    this.connected = false;
    this.clock.forget();
    this.setUsable(false, reason);
  }

  private loadScript(): Promise<unknown> {
    const client = this.client;
    if (this.target.mode !== RedisMode.Cluster) return (client as Redis).script('LOAD', WRITE_SCRIPT);
    return Promise.all((client as Cluster).nodes('master').map((node) => node.script('LOAD', WRITE_SCRIPT)));
  }

  /** A NOSCRIPT reply (Redis lost its scripts: restarted, SCRIPT FLUSH, a new node): load it again. */
  private reloadScript(): void {
    if (this.scriptReloading) return;
    this.scriptReloading = true;
    this.loadScript()
      .catch(() => undefined)
      .finally(() => {
        this.scriptReloading = false;
      });
  }

  /** Checks reachability (and reads Redis's clock) once a second. */
  private probe(): void {
    const now = performance.now();
    if (this.probeSentAt !== null) {
      if (now - this.probeSentAt > this.timeoutMs && !this.stalled) {
        this.stalled = true;
        this.cause = this.timeoutError();
        this.setUsable(false, `no answer within ${this.timeoutMs} ms`);
      }
      return;
    }
    if (!this.connected) {
      if (!this.usable && now - this.lastReminder >= REMIND_EVERY_MS) {
        this.reportDown(this.everUsable ? 'Redis still unavailable' : 'Redis still unreachable');
      }
      return;
    }
    const epoch = this.epoch;
    this.probeSentAt = now;
    this.client.time().then(
      (time) => {
        const answeredAt = performance.now();
        const sentAt = this.probeSentAt ?? now;
        this.probeSentAt = null;
        if (epoch !== this.epoch || this.closed) return;
        this.clock.sample(time, sentAt, answeredAt, false);
        if (this.stalled && this.connected) {
          this.stalled = false;
          this.setUsable(true, '');
        }
      },
      (err: unknown) => {
        this.probeSentAt = null;
        if (epoch !== this.epoch || this.closed || !isReplyError(err)) return;
        // Connected, but Redis refuses to answer (BUSY, MASTERDOWN ...): not ready until it does.
        this.stalled = true;
        this.cause = err;
        this.setUsable(false, 'Redis answers with an error');
      },
    );
  }

  private setUsable(usable: boolean, reason: string): void {
    const now = performance.now();
    if (this.closed) usable = false;
    if (usable === this.usable) return;
    this.usable = usable;
    if (usable) {
      const downForMs = this.everUsable ? Math.round(now - this.downSince) : null;
      this.everUsable = true;
      this.observer?.available({ target: this.description, downForMs });
    } else {
      this.downSince = now;
      this.lastReminder = Number.NEGATIVE_INFINITY;
      this.reportDown(reason);
    }
  }

  private reportDown(reason: string): void {
    const now = performance.now();
    if (this.closed || now - this.lastReminder < REMIND_EVERY_MS) return;
    this.lastReminder = now;
    this.observer?.unavailable({
      target: this.description,
      reason,
      cause: this.cause,
      downForMs: Math.round(now - this.downSince),
    });
  }

  /** Commands sent in one turn of the event loop leave in one write. */
  private batch(): void {
    if (this.corked !== null || this.target.mode === RedisMode.Cluster) return;
    const stream = (this.client as Redis).stream;
    if (stream === undefined || stream === null) return;
    stream.cork();
    this.corked = stream;
    setImmediate(this.uncork);
  }

  private readonly uncork = (): void => {
    const stream = this.corked;
    this.corked = null;
    stream?.uncork();
  };
}
