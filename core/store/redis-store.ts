// Names in Redis, shared by every gateway that uses the same Redis and prefix.
// STORE is `SET key value NX` (in a script that also guards re-sends and
// deadlines, see redis-write-script.ts); GET and EXISTS map to MGET (or GET
// and EXISTS).
//
// Failures never give a false answer: while Redis is away commands fail at
// once with storage unavailable; a command whose reply was lost is re-sent
// only where that is safe (reads; a STORE, which recognises its own earlier
// write by its call's record) and only before its deadline; every operation ends by
// --store-timeout-ms. Commands are sent in call order on one connection, so
// a session's pipelined commands are applied in its order.

import { randomBytes } from 'node:crypto';
import { systemClock } from '../clock.js';
import { DeadlineList } from '../deadline-list.js';
import { storageUnavailable } from '../errors.js';
import type { Name } from '../name.js';
import { KeyArena } from './key-arena.js';
import { DEFAULT_CACHE_BYTES, DEFAULT_CACHE_NAMES, NameCache } from './name-cache.js';
import { RedisConnection, redisErrorCode } from './redis-connection.js';
import { RedisKeys } from './redis-keys.js';
import { type AnyOperation, Kind, Presence, Read, Write } from './redis-operation.js';
import { describeRedisTarget, parseRedisUrl, RedisMode, type RedisTarget } from './redis-url.js';
import { WriteResult, writeScriptArgs } from './redis-write-script.js';
import { RespCommand, respCommand } from './resp-command.js';
import type { MaybePromise, Store } from './store.js';
import type { StoreObserver } from './store-observer.js';

/**
 * Redis error codes of a server that refuses writes for its own reasons:
 * maxmemory reached, a replica, a failed snapshot that stops writes, too few
 * replicas.
 */
const WRITE_REFUSALS = new Set(['OOM', 'READONLY', 'MISCONF', 'NOREPLICAS', 'NOTENOUGHREPLICAS']);

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

/** Names read by one MGET at most. */
const MAX_READ_BATCH = 1024;
/** STOREs carried by one call of the write script at most (it holds Redis for their time). */
const MAX_WRITE_BATCH = 32;

type ReadOperation = Read | Presence;

export class RedisStore implements Store {
  readonly target: RedisTarget;
  private readonly connection: RedisConnection;
  private readonly keys: RedisKeys;
  /** The keys of reads, as MGET arguments. */
  private readonly arena: KeyArena;
  private readonly cache: NameCache;
  private readonly inFlight = new DeadlineList<AnyOperation>(systemClock);
  private readonly timeoutMs: number;
  private readonly recordTtlMs: number;
  /** Makes each call of the write script a record key of its own. */
  private readonly callTokenBase = `${randomBytes(12).toString('base64url')}.`;
  private readonly timeoutError: () => Error;
  /** Standalone and Sentinel: names go many to a command. A Cluster spreads them over nodes: one each. */
  private readonly batching: boolean;
  private readonly observer: StoreObserver | undefined;
  private calls = 0;
  /** Started in this turn of the event loop, sent together at its end, in call order. */
  private queue: AnyOperation[] = [];
  private flushScheduled = false;
  /** When the first operation of this turn started. */
  private turnStart = 0;
  /** Lost in flight, to be re-sent first on the next connection (standalone and Sentinel only). */
  private toResend: AnyOperation[] = [];
  private closed = false;

  constructor(options: RedisStoreOptions) {
    this.observer = options.observer;
    this.target = parseRedisUrl(options.url);
    this.timeoutMs = options.timeoutMs;
    // A record is looked up only by re-sends, which stop at the deadline of the STOREs it tells of.
    this.recordTtlMs = 2 * options.timeoutMs + 1000;
    this.batching = this.target.mode !== RedisMode.Cluster;
    this.keys = new RedisKeys(options.prefix);
    this.arena = new KeyArena(this.keys.prefix);
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
      {
        timeoutMs: options.timeoutMs,
        probeIntervalMs: options.probeIntervalMs ?? 1000,
        observer: options.observer,
        readProbeKey: this.batching ? this.keys.prefix : null,
      },
    );
    this.timeoutError = () => this.connection.timeoutError();
  }

  get(name: Name): MaybePromise<string | undefined> {
    const cached = this.cache.get(name.buf, name.start, name.end);
    if (cached !== undefined) return cached;
    if (!this.connection.usable) return this.unavailable();
    const deadline = this.deadline();
    const arena = this.arena;
    const at = arena.add(name);
    return this.start(new Read(arena.chunk, at, arena.used, this.keys.keyBytes(name), deadline, this.timeoutError));
  }

  has(name: Name): MaybePromise<boolean> {
    if (this.cache.get(name.buf, name.start, name.end) !== undefined) return true;
    if (!this.connection.usable) return this.unavailable();
    const deadline = this.deadline();
    const arena = this.arena;
    const at = arena.add(name);
    return this.start(new Presence(arena.chunk, at, arena.used, this.keys.keyBytes(name), deadline, this.timeoutError));
  }

  putIfAbsent(name: Name, value: string): MaybePromise<boolean> {
    if (this.cache.get(name.buf, name.start, name.end) !== undefined) return false;
    if (!this.connection.usable) return this.unavailable();
    return this.start(new Write(this.keys.key(name), this.deadline(), this.timeoutError, value));
  }

  /** Resolves while Redis answers (within the last check), rejects with storage unavailable otherwise. */
  ping(): Promise<void> {
    return this.connection.usable ? Promise.resolve() : this.unavailable();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const unsent = [...this.toResend, ...this.queue];
    this.toResend = [];
    this.queue = [];
    for (const op of unsent) op.fail(new Error('store closed'));
    await this.connection.close();
    for (const op of this.inFlight.takeAll()) op.fail(new Error('store closed'));
  }

  /** Names held by the local cache now (for tests and metrics). */
  get cachedNames(): number {
    return this.cache.size;
  }

  /**
   * The deadline of an operation started now. Operations started in one turn
   * share the clock reading of the first (a little earlier than theirs: they
   * fail no later than the timeout), one performance.now() a turn, not one each.
   */
  private deadline(): number {
    if (!this.flushScheduled) this.turnStart = performance.now();
    return this.turnStart + this.timeoutMs;
  }

  private unavailable(): Promise<never> {
    return Promise.reject(storageUnavailable(this.connection.cause));
  }

  private start<T>(op: AnyOperation & { promise: Promise<T> }): Promise<T> {
    this.inFlight.add(op);
    this.queue.push(op);
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(this.flush);
    }
    return op.promise;
  }

  /** Sends what this turn started: commands of every connection leave together. */
  private readonly flush = (): void => {
    this.flushScheduled = false;
    const queue = this.queue;
    this.queue = [];
    this.send(queue);
  };

  /**
   * Sends `ops` in their order: each run of reads (GET, EXISTS) as MGETs, each
   * run of STOREs as calls of the write script carrying several; on a Cluster
   * one command each.
   */
  private send(ops: readonly AnyOperation[]): void {
    const connection = this.connection;
    if (!connection.writable) {
      // ioredis would refuse them unsent (no offline queue): they were never sent, and are not re-sent.
      for (const op of ops) op.fail(connection.cause);
      return;
    }
    const epoch = connection.epoch;
    const maxReads = this.batching && connection.batchReads ? MAX_READ_BATCH : 1;
    const maxWrites = this.batching ? MAX_WRITE_BATCH : 1;
    let reads: ReadOperation[] = [];
    let writes: Write[] = [];
    for (const op of ops) {
      if (op.settled) continue;
      if (op.kind === Kind.Put) {
        if (reads.length > 0) reads = this.sendReads(reads, epoch);
        // A call carries one deadline: a re-sent STORE (an earlier turn's) starts a call of its own.
        if (writes.length > 0 && op.deadline !== (writes[0] as Write).deadline) writes = this.sendWrites(writes, epoch);
        writes.push(op);
        if (writes.length === maxWrites) writes = this.sendWrites(writes, epoch);
      } else {
        if (writes.length > 0) writes = this.sendWrites(writes, epoch);
        reads.push(op);
        if (reads.length === maxReads) reads = this.sendReads(reads, epoch);
      }
    }
    if (reads.length > 0) this.sendReads(reads, epoch);
    if (writes.length > 0) this.sendWrites(writes, epoch);
  }

  /** Sends one run of reads; returns a new empty run. */
  private sendReads(ops: readonly ReadOperation[], epoch: number): ReadOperation[] {
    const client = this.connection.client;
    const [op] = ops;
    if (ops.length === 1 && op !== undefined) {
      const attempt = ++op.attempt;
      if (op.kind === Kind.Get) {
        client.get(op.key).then(
          (value) => op.attempt === attempt && this.answerRead(op, value),
          (err: unknown) => op.attempt === attempt && this.failed(op, err, epoch),
        );
      } else {
        client.exists(op.key).then(
          (count) => op.attempt === attempt && op.succeed(count === 1),
          (err: unknown) => op.attempt === attempt && this.failed(op, err, epoch),
        );
      }
      return [];
    }
    const n = ops.length;
    const attempts: number[] = new Array(n);
    // Reads started one after another lie back to back in the arena: one slice is their arguments.
    let adjacent = true;
    let previous: ReadOperation | null = null;
    for (let i = 0; i < n; i++) {
      const op = ops[i] as ReadOperation;
      attempts[i] = ++op.attempt;
      if (previous !== null && (op.chunk !== previous.chunk || op.argStart !== previous.argEnd)) adjacent = false;
      previous = op;
    }
    const first = ops[0] as ReadOperation;
    const args = adjacent
      ? first.chunk.subarray(first.argStart, (previous as ReadOperation).argEnd)
      : Buffer.concat(ops.map((op) => op.chunk.subarray(op.argStart, op.argEnd)));
    this.sendEncoded(new RespCommand('mget', args, n)).then(
      (reply) => {
        const values = reply as (string | null)[];
        for (let i = 0; i < n; i++) {
          const op = ops[i] as ReadOperation;
          if (op.attempt === attempts[i]) this.answerRead(op, values[i] ?? null);
        }
      },
      (err: unknown) => {
        for (let i = 0; i < n; i++) {
          const op = ops[i] as ReadOperation;
          if (op.attempt === attempts[i]) this.failed(op, err, epoch);
        }
      },
    );
    return [];
  }

  /** Sends a command the store encoded (standalone and Sentinel only); resolves with its reply. */
  private sendEncoded(command: RespCommand): Promise<unknown> {
    this.connection.client.sendCommand(command);
    return command.promise;
  }

  private answerRead(op: ReadOperation, value: string | null): void {
    if (value !== null) {
      const start = op.keyStart;
      this.cache.add(op.chunk, start + this.keys.nameStart(), start + op.keyBytes, value);
    }
    if (op.kind === Kind.Get) op.succeed(value ?? undefined);
    else op.succeed(value !== null);
  }

  /** Keeps a name seen stored in the local cache. */
  private remember(key: string, value: string): void {
    const bytes = Buffer.from(key, 'utf8');
    this.cache.add(bytes, this.keys.nameStart(), bytes.length, value);
  }

  /** Sends one run of STOREs, all of one deadline, in one call of the write script; returns a new empty run. */
  private sendWrites(ops: readonly Write[], epoch: number): Write[] {
    const { client, clock } = this.connection;
    if (!clock.known) {
      for (const op of ops) op.fail(new Error("Redis's clock is not known yet"));
      return [];
    }
    // Only a re-send reads the record, and only where batching is on (a Cluster re-sends nothing).
    const record = this.batching ? this.keys.record(`${this.callTokenBase}${(this.calls++).toString(36)}`) : null;
    const attempts = ops.map((op, i) => {
      op.sentIn(record, i + 1);
      return ++op.attempt;
    });
    const args = writeScriptArgs(ops, clock.toRedis((ops[0] as Write).deadline), record, this.recordTtlMs);
    // A Cluster routes a command by its keys, which only ioredis's own encoding gives it.
    (this.batching ? this.sendEncoded(respCommand('evalsha', args)) : client.call('evalsha', args)).then(
      (result) => {
        const results = String(result);
        for (const [i, op] of ops.entries()) if (op.attempt === attempts[i]) this.answerWrite(op, results[i]);
      },
      (err: unknown) => {
        for (const [i, op] of ops.entries()) if (op.attempt === attempts[i]) this.failed(op, err, epoch);
      },
    );
    return [];
  }

  private answerWrite(op: Write, result: string | undefined): void {
    switch (result) {
      case WriteResult.Stored:
      case WriteResult.StoredEarlier:
        this.remember(op.key, op.value);
        op.succeed(true);
        return;
      case WriteResult.Taken:
        op.succeed(false);
        return;
      case WriteResult.Unknown:
        op.fail(new Error('STORE re-sent after a lost reply: cannot tell whose value the name holds'));
        return;
      case WriteResult.Late:
        op.fail(this.timeoutError());
        return;
      default:
        op.fail(new Error(`unexpected answer from the write script: ${String(result)}`));
    }
  }

  private failed(op: AnyOperation, err: unknown, epoch: number): void {
    if (op.settled) return;
    const code = redisErrorCode(err);
    if (code !== '') {
      // Redis answered with an error: the command ran (or not) and is not retried.
      if (code === 'NOSCRIPT') this.connection.reloadScript();
      else if (WRITE_REFUSALS.has(code)) {
        this.observer?.refused?.({ target: describeRedisTarget(this.target), code, cause: err });
      }
      op.fail(err);
      return;
    }
    // It was written (see send): its reply was lost.
    const resendable =
      !this.closed &&
      this.batching &&
      // Re-sent only when its connection is gone; on a live one, later commands are already behind it.
      this.connection.isGone(epoch) &&
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
    this.send(resend.filter((op) => !op.settled));
  }
}
