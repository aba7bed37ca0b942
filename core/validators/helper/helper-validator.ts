// `helper:PROGRAM [ARGS...]`: long-lived processes that answer many STOREs
// each, in the manner of Squid's concurrent helpers (SPEC section 4). One
// JSON line per request on a helper's stdin, `<id> JNHP:<int>` lines back in
// any order. Requests go to the process with the fewest in flight; how many
// are in flight at all is the ValidationPolicy's concurrency bound, and the
// timeout is its signal: this file adds no bound and no timer of its own.

import type { HookSignal } from '../../validation/hook-signal.js';
import type { ValidationRequest } from '../../validation/validation.js';
import type { Validator } from '../../validation/validator.js';
import { hookEnvironment } from '../hook-environment.js';
import { requestJson } from '../request-json.js';
import { HelperAnswer, parseHelperAnswer } from './helper-answer.js';
import type { HelperObserver, HelperPoolView } from './helper-observer.js';
import { HelperProcess } from './helper-process.js';
import { Pending, Slot } from './helper-slot.js';

/** First restart delay after a helper ended; it doubles with every quick end, up to the last. */
const FIRST_RESTART_MS = 100;
const LAST_RESTART_MS = 5000;
/** A helper that stayed up this long is restarted after the first delay again. */
const STABLE_MS = 10_000;
/** A helper still running this long after its start counts as started (else: exit code 2). */
const STARTUP_WATCH_MS = 250;
/** Shutdown: time to exit after EOF, then after SIGTERM. */
const STOP_GRACE_MS = 1000;
/** Ignored stdout lines are logged up to this length. */
const SHOWN_LINE_CHARS = 200;

export interface HelperOptions {
  /** The gateway's environment: only PATH, LANG and the `passEnv` names are taken from it. */
  readonly env: NodeJS.ProcessEnv;
  readonly passEnv: readonly string[];
  /** Processes in the pool (`--validator-helpers`). */
  readonly processes: number;
  readonly observers?: readonly HelperObserver[];
}

export class HelperValidator implements Validator, HelperPoolView {
  readonly size: number;
  private readonly env: Record<string, string>;
  private readonly observers: readonly HelperObserver[];
  private readonly slots: Slot[];
  /** Requests waiting while no process can take them (all restarting); FIFO. */
  private readonly waiting = new Set<Pending>();
  private readonly answer = new HelperAnswer();
  private nextId = 1;
  private started = false;
  private closing = false;
  private startupFailure: string | null = null;

  private constructor(
    readonly name: string,
    private readonly program: string,
    private readonly args: readonly string[],
    options: HelperOptions,
  ) {
    this.size = options.processes;
    this.env = hookEnvironment(options.env, options.passEnv);
    this.observers = options.observers ?? [];
    this.slots = Array.from({ length: options.processes }, (_, i) => new Slot(i));
  }

  get hook(): string {
    return this.name;
  }

  /** Starts every process; rejects (after stopping them) when one cannot be started or dies at once. */
  static async start(
    name: string,
    program: string,
    args: readonly string[],
    options: HelperOptions,
  ): Promise<HelperValidator> {
    const pool = new HelperValidator(name, program, args, options);
    try {
      for (const slot of pool.slots) pool.spawn(slot);
      await Promise.all(pool.slots.map((slot) => slot.process?.spawned));
      await new Promise((resolve) => setTimeout(resolve, STARTUP_WATCH_MS));
    } catch (err) {
      await pool.close();
      throw new Error(`cannot start '${program}'`, { cause: err });
    }
    if (pool.startupFailure !== null) {
      await pool.close();
      throw new Error(pool.startupFailure);
    }
    pool.started = true;
    for (const observer of pool.observers) observer.poolStarted?.(pool);
    return pool;
  }

  inFlight(index: number): number {
    return this.slots[index]?.held.size ?? 0;
  }

  restarts(index: number): number {
    return this.slots[index]?.restarts ?? 0;
  }

  decide(request: ValidationRequest, signal: HookSignal): Promise<boolean> {
    if (this.closing) return Promise.reject(new Error('the gateway is shutting down'));
    if (signal.aborted) return Promise.reject(new Error('timed out'));
    const id = this.nextId++;
    const line = `${requestJson(request, id)}\n`;
    return new Promise<boolean>((resolve, reject) => {
      const pending = new Pending(this.timedOut, id, line, signal, resolve, reject);
      signal.onAbort(pending.onAbort);
      const slot = this.pick();
      if (slot === null) this.waiting.add(pending);
      else this.send(slot, pending);
    });
  }

  /** The signal of `pending` aborted (the policy's timeout): fail it, and kill the helper that held it. */
  private readonly timedOut = (pending: Pending): void => {
    const { slot } = pending;
    if (slot === null) {
      this.waiting.delete(pending);
    } else {
      slot.held.delete(pending.id);
      const helper = slot.process;
      if (helper !== null && !slot.dying) {
        slot.dying = true;
        const reason = `a request it held timed out`;
        helper.kill(`was killed: ${reason}`);
        for (const observer of this.observers) observer.processKilled?.(this.name, slot.index, slot.pid, reason);
      }
    }
    pending.fail(new Error('timed out'));
  };

  /** EOF, SIGTERM, SIGKILL to every process; no more restarts; what waits or is held fails. */
  async close(): Promise<void> {
    this.closing = true;
    for (const slot of this.slots) clearTimeout(slot.timer);
    for (const pending of this.waiting) pending.fail(new Error('the gateway is shutting down'));
    this.waiting.clear();
    await Promise.all(this.slots.map((slot) => slot.process?.stop(STOP_GRACE_MS)));
  }

  /** The running process with the fewest requests in flight, if any runs. */
  private pick(): Slot | null {
    let best: Slot | null = null;
    for (const slot of this.slots) {
      if (slot.process === null || slot.dying) continue;
      if (best === null || slot.held.size < best.held.size) best = slot;
    }
    return best;
  }

  private send(slot: Slot, pending: Pending): void {
    pending.slot = slot;
    slot.held.set(pending.id, pending);
    slot.process?.send(pending.line);
  }

  private spawn(slot: Slot): void {
    slot.timer = undefined;
    slot.dying = false;
    const helper = new HelperProcess(this.program, this.args, this.env, {
      stdoutLine: (buf, start, end) => this.stdoutLine(slot, buf, start, end),
      stderrLine: (line) => {
        for (const observer of this.observers) observer.stderrLine?.(this.name, slot.index, slot.pid, line);
      },
      ended: (how) => this.ended(slot, helper, how),
    });
    slot.process = helper;
    helper.spawned.then(
      () => {
        for (const observer of this.observers) observer.processStarted?.(this.name, slot.index, slot.pid);
      },
      () => {},
    );
    // Requests that waited while every process was down go out now.
    for (const pending of this.waiting) {
      const to = this.pick();
      if (to === null) break;
      this.waiting.delete(pending);
      this.send(to, pending);
    }
  }

  private stdoutLine(slot: Slot, buf: Buffer | null, start: number, end: number): void {
    const answer = this.answer;
    const parsed = buf !== null && parseHelperAnswer(buf, start, end, answer);
    if (parsed) {
      const pending = slot.held.get(answer.id);
      if (pending !== undefined) {
        slot.held.delete(answer.id);
        pending.settle(answer.allow);
        return;
      }
    }
    const shown = buf === null ? '' : buf.toString('utf8', start, Math.min(end, start + SHOWN_LINE_CHARS));
    const why = parsed
      ? `no request ${answer.id} in flight`
      : buf === null
        ? 'a line too long to be an answer'
        : 'not of the form <id> JNHP:<int>';
    for (const observer of this.observers) observer.lineIgnored?.(this.name, slot.index, slot.pid, shown, why);
  }

  private ended(slot: Slot, helper: HelperProcess, how: string): void {
    if (slot.process !== helper) return;
    const pid = helper.pid;
    const held = [...slot.held.values()];
    slot.held.clear();
    slot.process = null;
    for (const pending of held) pending.fail(new Error(`the helper ${how} before answering`));
    if (!this.started && !this.closing) {
      const stderr = helper.stderrEnd === '' ? '' : `; stderr: ${helper.stderrEnd}`;
      this.startupFailure ??= `'${this.program}' ${how} at startup${stderr}`;
    }
    let restartInMs: number | null = null;
    if (this.started && !this.closing) {
      if (performance.now() - helper.startedAt >= STABLE_MS) slot.quickEnds = 0;
      restartInMs = Math.min(FIRST_RESTART_MS * 2 ** slot.quickEnds, LAST_RESTART_MS);
      slot.quickEnds++;
      slot.timer = setTimeout(() => {
        slot.restarts++;
        this.spawn(slot);
      }, restartInMs);
    }
    for (const observer of this.observers) {
      observer.processEnded?.(this.name, slot.index, pid, how, held.length, restartInMs);
    }
  }
}
