// One long-lived helper process: spawned in its own process group with the
// small hook environment, fed request lines on stdin (batched: one write per
// turn of the event loop), read line by line on stdout and stderr. It knows
// nothing of requests; the pool matches answers to them.

import { type ChildProcess, spawn } from 'node:child_process';
import { LineSplitter, Next } from '../../protocol/line-splitter.js';

/** Longest stdout or stderr line looked at; a longer one is reported cut. */
const MAX_LINE_BYTES = 4096;
/** How long output may still come after the process exited. */
const PIPE_GRACE_MS = 200;
/** The end of stderr kept to explain a helper that dies at startup. */
const STDERR_TAIL_CHARS = 300;

export interface HelperProcessEvents {
  /** A complete stdout line is `buf[start, end)` (line end removed); null `buf`: a line too long to keep. */
  stdoutLine(buf: Buffer | null, start: number, end: number): void;
  stderrLine(line: string): void;
  /** Once, when the process has exited and its pipes are closed; `how` says why, for a log. */
  ended(how: string): void;
}

export class HelperProcess {
  readonly pid: number | undefined;
  readonly startedAt = performance.now();
  /** Resolves once the process runs; rejects when it cannot be started. */
  readonly spawned: Promise<void>;
  /** Resolves with `how` once the process has ended. */
  readonly ended: Promise<string>;
  private readonly child: ChildProcess;
  private outbox = '';
  private exited = false;
  private isEnded = false;
  private inputClosed = false;
  private stopping = false;
  private stderrTail = '';
  /** Why the gateway killed it, if it did. */
  private killedBecause: string | null = null;

  constructor(program: string, args: readonly string[], env: Record<string, string>, events: HelperProcessEvents) {
    let failure: Error | null = null;
    // detached: the helper leads a new process group, so that it and whatever
    // it started can be killed together.
    this.child = spawn(program, args, { env, detached: true, stdio: ['pipe', 'pipe', 'pipe'] });
    const child = this.child;
    this.pid = child.pid;
    this.spawned = new Promise((resolve, reject) => {
      child.once('spawn', resolve);
      child.once('error', reject);
    });
    this.spawned.catch(() => {});
    child.on('error', (err) => {
      failure ??= err;
    });
    // A helper that died leaves a broken pipe: its end is reported by 'close'.
    child.stdin?.on('error', () => {});

    readLines(child.stdout, (buf, start, end) => events.stdoutLine(buf, start, end));
    readLines(child.stderr, (buf, start, end) => {
      const line =
        buf === null ? `(a stderr line longer than ${MAX_LINE_BYTES} bytes, cut)` : buf.toString('utf8', start, end);
      this.stderrTail = `${this.stderrTail}\n${line}`.slice(-STDERR_TAIL_CHARS);
      events.stderrLine(line);
    });
    child.stdout?.once('end', () => {
      // It can no longer answer: unless it is exiting anyway, stop it, so that it is restarted.
      const timer = setTimeout(() => {
        if (!this.stopping) this.kill('closed its stdout');
      }, PIPE_GRACE_MS);
      child.once('exit', () => clearTimeout(timer));
    });
    child.once('exit', () => {
      this.exited = true;
      // Whatever the helper left running in its group goes with it.
      this.killGroup();
      // A process that left the group (setsid) may still hold the pipes: stop waiting for them soon.
      const timer = setTimeout(() => {
        child.stdout?.destroy();
        child.stderr?.destroy();
      }, PIPE_GRACE_MS);
      child.once('close', () => clearTimeout(timer));
    });
    this.ended = new Promise((resolve) => {
      child.once('close', (code: number | null, killedBy: NodeJS.Signals | null) => {
        this.isEnded = true;
        let how: string;
        if (failure !== null && this.pid === undefined) how = `cannot be started: ${failure.message}`;
        else if (code !== null) how = `exited with code ${code}`;
        else if (killedBy === 'SIGKILL' && this.killedBecause !== null) how = this.killedBecause;
        else how = `was killed by ${killedBy}`;
        events.ended(how);
        resolve(how);
      });
    });
  }

  /** True once the process has ended: it takes no more requests. */
  get hasEnded(): boolean {
    return this.isEnded;
  }

  /** The last lines of stderr, on one line. */
  get stderrEnd(): string {
    return this.stderrTail.trim().replace(/\s+/g, ' ');
  }

  /** Queues a request line (ending in LF); every line queued in one turn goes out in one write. */
  send(line: string): void {
    if (this.inputClosed) return;
    if (this.outbox === '') setImmediate(this.flush);
    this.outbox += line;
  }

  /** Kills the process group at once (a request it held timed out: it may be stuck). */
  kill(because: string): void {
    if (this.exited) return;
    this.killedBecause ??= because;
    this.signal('SIGKILL');
  }

  /** Shutdown: EOF on stdin, then SIGTERM, then SIGKILL, each after `graceMs` without an exit. */
  async stop(graceMs: number): Promise<void> {
    if (this.isEnded) return;
    this.stopping = true;
    this.flush();
    this.inputClosed = true;
    this.child.stdin?.end();
    for (const signal of ['SIGTERM', 'SIGKILL'] as const) {
      if (await endsWithin(this.ended, graceMs)) return;
      this.signal(signal);
    }
    await this.ended;
  }

  private readonly flush = (): void => {
    const text = this.outbox;
    this.outbox = '';
    if (text !== '' && !this.inputClosed) this.child.stdin?.write(text);
  };

  private signal(signal: NodeJS.Signals): void {
    // Not yet reaped, so the group id cannot belong to anyone else.
    if (!this.exited) this.killGroup(signal);
  }

  private killGroup(signal: NodeJS.Signals = 'SIGKILL'): void {
    if (this.pid === undefined) return;
    try {
      process.kill(-this.pid, signal);
    } catch {
      // ESRCH: the group is already gone.
    }
  }
}

function readLines(
  stream: NodeJS.ReadableStream | null,
  onLine: (buf: Buffer | null, start: number, end: number) => void,
): void {
  if (stream === null) return;
  const splitter = new LineSplitter(MAX_LINE_BYTES);
  const drain = (): void => {
    for (;;) {
      const next = splitter.next();
      if (next === Next.NeedMore) return;
      if (next === Next.Line) onLine(splitter.buf, splitter.start, splitter.end);
      else onLine(null, 0, 0);
    }
  };
  stream.on('data', (chunk: Buffer) => {
    splitter.feed(chunk);
    drain();
  });
  stream.once('end', () => {
    if (splitter.finish() === Next.Line) onLine(splitter.buf, splitter.start, splitter.end);
  });
}

async function endsWithin(ended: Promise<string>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  const result = await Promise.race([ended.then(() => true), late]);
  clearTimeout(timer);
  return result;
}
