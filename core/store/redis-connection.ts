// The store's connection to Redis and what it knows about it: whether Redis
// answers now (set up on each connection, checked once a second), Redis's
// clock, and the log-worthy changes, told to a StoreObserver.

import { type Cluster, type Redis, ReplyError } from 'ioredis';
import { createRedisClient } from './redis-client.js';
import { RedisClock } from './redis-clock.js';
import { describeRedisTarget, RedisMode, type RedisTarget } from './redis-url.js';
import { WRITE_SCRIPT } from './redis-write-script.js';
import type { StoreObserver } from './store-observer.js';

const REMIND_EVERY_MS = 30_000;

/** Redis answered with an error (as opposed to the connection failing). */
export function isReplyError(err: unknown): err is Error {
  return err instanceof (ReplyError as typeof Error);
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
}

export class RedisConnection {
  readonly client: Redis | Cluster;
  readonly clock = new RedisClock();
  readonly description: string;
  private readonly timeoutMs: number;
  private readonly observer: StoreObserver | undefined;
  private readonly probeTimer: NodeJS.Timeout;
  /** Counts connections made and lost: work for an older one is dropped. */
  private currentEpoch = 0;
  /** The current connection is set up (script loaded, clock read). */
  private connected = false;
  /** A reachability check has waited longer than the timeout, or was refused. */
  private stalled = false;
  private isUsable = false;
  private everUsable = false;
  private downSince = performance.now();
  private lastReminder = Number.NEGATIVE_INFINITY;
  private lastCause: unknown = new Error('not connected to Redis yet');
  private errorSinceConnect = false;
  private probeSentAt: number | null = null;
  private scriptReloading = false;
  private closed = false;
  private corked: { uncork(): void } | null = null;

  constructor(
    readonly target: RedisTarget,
    private readonly hooks: RedisConnectionHooks,
    options: RedisConnectionOptions,
  ) {
    this.description = describeRedisTarget(target);
    this.timeoutMs = options.timeoutMs;
    this.observer = options.observer;
    this.client = createRedisClient(target, options.timeoutMs);
    this.client.on('ready', () => this.onReady());
    this.client.on('close', () => this.onClose('connection lost'));
    const onError = (err: unknown): void => {
      this.lastCause = err;
      this.errorSinceConnect = true;
      if (!this.everUsable && !this.isUsable) {
        this.reportDown(isReplyError(err) ? 'Redis refused the connection' : 'Redis unreachable');
      }
    };
    this.client.on('error', onError);
    this.client.on('node error', onError);
    this.probeTimer = setInterval(() => this.probe(), options.probeIntervalMs);
    this.probeTimer.unref();
  }

  /** Commands may be sent: connected, set up, and answering. */
  get usable(): boolean {
    return this.isUsable;
  }

  /** Why it is not usable (the last error seen). */
  get cause(): unknown {
    return this.lastCause;
  }

  get epoch(): number {
    return this.currentEpoch;
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

  /** Commands sent in one turn of the event loop leave in one write (measured: 1.5 to 2 times the throughput). */
  batch(): void {
    if (this.corked !== null || this.target.mode === RedisMode.Cluster) return;
    const stream = (this.client as Redis).stream;
    if (stream === undefined || stream === null) return;
    stream.cork();
    this.corked = stream;
    setImmediate(this.uncork);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.isUsable = false;
    this.connected = false;
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

  private readonly uncork = (): void => {
    const stream = this.corked;
    this.corked = null;
    stream?.uncork();
  };

  /** ioredis connected (and Redis has loaded its data): load the script and read the clock. */
  private onReady(): void {
    if (this.closed) return;
    const epoch = ++this.currentEpoch;
    this.connected = false;
    this.errorSinceConnect = false;
    this.hooks.connecting();
    const sentAt = performance.now();
    const setup = Promise.all([this.loadScript(), this.client.time()]);
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(this.timeoutError()), this.timeoutMs);
    });
    Promise.race([setup, late]).then(
      ([, time]) => {
        clearTimeout(timer);
        if (epoch !== this.currentEpoch || this.closed) return;
        this.clock.sample(time, sentAt, performance.now(), true);
        this.connected = true;
        this.stalled = false;
        this.hooks.ready();
        this.setUsable(true, '');
      },
      (err: unknown) => {
        clearTimeout(timer);
        if (epoch !== this.currentEpoch || this.closed) return;
        this.lastCause = err;
        this.reportDown('Redis connected but not usable');
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
    this.setUsable(false, reason);
  }

  private loadScript(): Promise<unknown> {
    const client = this.client;
    if (this.target.mode !== RedisMode.Cluster) return (client as Redis).script('LOAD', WRITE_SCRIPT);
    return Promise.all((client as Cluster).nodes('master').map((node) => node.script('LOAD', WRITE_SCRIPT)));
  }

  /** Checks reachability (and reads Redis's clock) once a second. */
  private probe(): void {
    const now = performance.now();
    if (this.probeSentAt !== null) {
      if (now - this.probeSentAt > this.timeoutMs && !this.stalled) {
        this.stalled = true;
        this.lastCause = this.timeoutError();
        this.setUsable(false, `no answer within ${this.timeoutMs} ms`);
      }
      return;
    }
    if (!this.connected) {
      if (!this.isUsable && now - this.lastReminder >= REMIND_EVERY_MS) {
        this.reportDown(this.everUsable ? 'Redis still unavailable' : 'Redis still unreachable');
      }
      return;
    }
    const epoch = this.currentEpoch;
    this.probeSentAt = now;
    this.client.time().then(
      (time) => {
        const answeredAt = performance.now();
        this.probeSentAt = null;
        if (epoch !== this.currentEpoch || this.closed) return;
        this.clock.sample(time, now, answeredAt, false);
        if (this.stalled && this.connected) {
          this.stalled = false;
          this.setUsable(true, '');
        }
      },
      (err: unknown) => {
        this.probeSentAt = null;
        if (epoch !== this.currentEpoch || this.closed || !isReplyError(err)) return;
        // Connected, but Redis refuses to answer (BUSY, MASTERDOWN ...): not ready until it does.
        this.stalled = true;
        this.lastCause = err;
        this.setUsable(false, 'Redis answers with an error');
      },
    );
  }

  private setUsable(usable: boolean, reason: string): void {
    const now = performance.now();
    if (this.closed) usable = false;
    if (usable === this.isUsable) return;
    this.isUsable = usable;
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
      cause: this.lastCause,
      downForMs: Math.round(now - this.downSince),
    });
  }
}
