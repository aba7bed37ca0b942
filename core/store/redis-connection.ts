// The store's connection to Redis and what it knows about it: whether Redis
// answers now (Reachability: set up on each connection, checked once a
// second), Redis's clock, and the log-worthy changes, told to a StoreObserver.

import { type Cluster, type Redis, ReplyError } from 'ioredis';
import { Check, Reachability } from './reachability.js';
import { createRedisClient } from './redis-client.js';
import { RedisClock } from './redis-clock.js';
import { describeRedisTarget, RedisMode, type RedisTarget } from './redis-url.js';
import { WRITE_SCRIPT } from './redis-write-script.js';
import type { StoreObserver } from './store-observer.js';

/** Redis answered with an error (as opposed to the connection failing). */
export function isReplyError(err: unknown): err is Error {
  return err instanceof (ReplyError as typeof Error);
}

/** The code Redis put first in an error reply (`NOSCRIPT`, `READONLY`, `NOPERM` ...), or '' for any other error. */
export function redisErrorCode(err: unknown): string {
  if (!isReplyError(err)) return '';
  const space = err.message.indexOf(' ');
  return space === -1 ? err.message : err.message.slice(0, space);
}

export interface RedisConnectionHooks {
  /** A new connection is up, not yet set up. */
  connecting(): void;
  /** It is set up: called just before it counts as usable, so that what is sent now goes first. */
  ready(): void;
}

export interface RedisConnectionOptions {
  readonly timeoutMs: number;
  readonly probeIntervalMs: number;
  readonly observer: StoreObserver | undefined;
  /** A key MGET may read, to learn whether Redis lets this client batch its reads (an ACL may not); null: never batch. */
  readonly readProbeKey: Buffer | null;
}

export class RedisConnection {
  readonly client: Redis | Cluster;
  readonly clock = new RedisClock();
  readonly description: string;
  private readonly timeoutMs: number;
  private readonly observer: StoreObserver | undefined;
  private readonly probeTimer: NodeJS.Timeout;
  private readonly reachability: Reachability;
  /** Counts connections made and lost: work for an older one is dropped. */
  private currentEpoch = 0;
  /** The current connection is set up (script loaded, clock read). */
  private connected = false;
  private lastCause: unknown = new Error('not connected to Redis yet');
  private errorSinceConnect = false;
  private scriptReloading = false;
  private closed = false;
  private readonly readProbeKey: Buffer | null;
  private canBatchReads = false;

  constructor(
    readonly target: RedisTarget,
    private readonly hooks: RedisConnectionHooks,
    options: RedisConnectionOptions,
  ) {
    this.description = describeRedisTarget(target);
    this.timeoutMs = options.timeoutMs;
    this.observer = options.observer;
    this.readProbeKey = options.readProbeKey;
    this.reachability = new Reachability(options.timeoutMs, () => performance.now(), {
      available: (downForMs) => {
        if (!this.closed) this.observer?.available({ target: this.description, downForMs });
      },
      unavailable: (reason, downForMs) => {
        if (this.closed) return;
        this.observer?.unavailable({ target: this.description, reason, cause: this.lastCause, downForMs });
      },
    });
    this.client = createRedisClient(target, options.timeoutMs);
    this.client.on('ready', () => this.onReady());
    this.client.on('close', () => this.onClose('connection lost'));
    const onError = (err: unknown): void => {
      this.lastCause = err;
      this.errorSinceConnect = true;
      if (!this.reachability.everUp && !this.reachability.usable) {
        this.reachability.remind(isReplyError(err) ? 'Redis refused the connection' : 'Redis unreachable');
      }
    };
    this.client.on('error', onError);
    this.client.on('node error', onError);
    this.probeTimer = setInterval(() => this.probe(), options.probeIntervalMs);
    this.probeTimer.unref();
  }

  /** Commands may be sent: connected, set up, and answering. */
  get usable(): boolean {
    return this.reachability.usable && !this.closed;
  }

  /** Why it is not usable (the last error seen). */
  get cause(): unknown {
    return this.lastCause;
  }

  /** Reads may go many to one MGET on this connection. */
  get batchReads(): boolean {
    return this.canBatchReads;
  }

  get epoch(): number {
    return this.currentEpoch;
  }

  /**
   * True when a command given to the client now is written to Redis at once
   * (with the offline queue off, ioredis rejects it unsent otherwise).
   */
  get writable(): boolean {
    if (this.target.mode === RedisMode.Cluster) return (this.client as Cluster).status === 'ready';
    const client = this.client as Redis;
    const stream = client.stream as { writable?: boolean; writableEnded?: boolean } | undefined;
    return client.status === 'ready' && stream?.writable === true && stream.writableEnded !== true;
  }

  /** True when the connection of `epoch` is gone, so that nothing sent after a command on it can overtake it. */
  isGone(epoch: number): boolean {
    return epoch !== this.currentEpoch || (this.client as Redis).status !== 'ready';
  }

  /** A command on the connection of `epoch` was lost in flight: that connection is gone. */
  lost(epoch: number): void {
    if (epoch === this.currentEpoch && this.connected) this.onClose('connection lost');
  }

  timeoutError(): Error {
    return new Error(`no answer from Redis within ${this.timeoutMs} ms (see --store-timeout-ms)`);
  }

  /** A NOSCRIPT reply (Redis lost its scripts: restarted, SCRIPT FLUSH, a new node): load it again. */
  reloadScript(): void {
    if (this.scriptReloading) return;
    this.scriptReloading = true;
    this.loadScript()
      .catch(() => undefined)
      .finally(() => {
        this.scriptReloading = false;
      });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.connected = false;
    this.reachability.down('closed');
    clearInterval(this.probeTimer);
    const quit = this.client.quit().catch(() => undefined);
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, this.timeoutMs);
    });
    await Promise.race([quit, late]);
    clearTimeout(timer);
    this.client.disconnect();
  }

  /** ioredis connected (and Redis has loaded its data): load the script and read the clock. */
  private onReady(): void {
    if (this.closed) return;
    const epoch = ++this.currentEpoch;
    this.connected = false;
    this.errorSinceConnect = false;
    this.hooks.connecting();
    const sentAt = performance.now();
    const setup = Promise.all([this.loadScript(), this.client.time(), this.mayBatchReads()]);
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(this.timeoutError()), this.timeoutMs);
    });
    Promise.race([setup, late]).then(
      ([, time, batchReads]) => {
        clearTimeout(timer);
        if (epoch !== this.currentEpoch || this.closed) return;
        this.clock.sample(time, sentAt, performance.now(), true);
        this.canBatchReads = batchReads;
        this.connected = true;
        this.hooks.ready();
        this.reachability.up();
      },
      (err: unknown) => {
        clearTimeout(timer);
        if (epoch !== this.currentEpoch || this.closed) return;
        this.lastCause = err;
        this.reachability.remind('Redis connected but not usable');
        // Make a new connection and try again.
        this.client.disconnect(true);
      },
    );
  }

  private onClose(reason: string): void {
    if (!this.errorSinceConnect && this.connected) this.lastCause = new Error('the connection to Redis closed');
    this.currentEpoch++;
    this.connected = false;
    this.clock.forget();
    this.reachability.down(reason);
  }

  /** Whether Redis runs an MGET for this client (an ACL user may be allowed GET only): then reads are batched. */
  private mayBatchReads(): Promise<boolean> {
    if (this.readProbeKey === null) return Promise.resolve(false);
    return (this.client as Redis).mget(this.readProbeKey).then(
      () => true,
      (err: unknown) => {
        if (isReplyError(err)) return false;
        throw err;
      },
    );
  }

  private loadScript(): Promise<unknown> {
    const client = this.client;
    if (this.target.mode !== RedisMode.Cluster) return (client as Redis).script('LOAD', WRITE_SCRIPT);
    return Promise.all((client as Cluster).nodes('master').map((node) => node.script('LOAD', WRITE_SCRIPT)));
  }

  /** Checks reachability (and reads Redis's clock) once a second. */
  private probe(): void {
    const reachability = this.reachability;
    const check = reachability.tick(
      this.connected,
      reachability.everUp ? 'Redis still unavailable' : 'Redis still unreachable',
    );
    if (check === Check.Overdue) {
      this.lastCause = this.timeoutError();
      reachability.stall(`no answer within ${this.timeoutMs} ms`);
    }
    if (check !== Check.Send) return;
    const epoch = this.currentEpoch;
    const sentAt = performance.now();
    this.client.time().then(
      (time) => {
        const answeredAt = performance.now();
        const current = epoch === this.currentEpoch && !this.closed;
        if (current) this.clock.sample(time, sentAt, answeredAt, false);
        reachability.answered(current && this.connected);
      },
      (err: unknown) => {
        if (epoch !== this.currentEpoch || this.closed || !isReplyError(err)) {
          reachability.lost();
          return;
        }
        this.lastCause = err;
        reachability.refused('Redis answers with an error');
      },
    );
  }
}
