// Starting and stopping the cluster's processes: each is stopped by its own
// PID, first politely, then for sure.

import { type ChildProcess, spawn } from 'node:child_process';

export interface Managed {
  readonly name: string;
  readonly child: ChildProcess;
  readonly pid: number;
  /** Everything it printed, stdout and stderr together. */
  output(): string;
  /** Resolves once `pattern` appears in its output; rejects if it exits first or the deadline passes. */
  waitForOutput(pattern: RegExp, timeoutMs?: number): Promise<void>;
  /** Sends `signal`, then SIGKILL after `graceMs`; resolves with the exit code (null if killed). */
  stop(signal?: NodeJS.Signals, graceMs?: number): Promise<number | null>;
  readonly exited: Promise<number | null>;
}

export function startManaged(
  name: string,
  command: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
): Managed {
  const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let text = '';
  const listeners = new Set<() => void>();
  const onData = (chunk: Buffer): void => {
    // Keep the tail only: a long-running process must not grow this without bound.
    text = (text + chunk.toString('utf8')).slice(-256 * 1024);
    for (const l of listeners) l();
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code) => {
      resolve(code);
      for (const l of listeners) l();
    });
    child.once('error', () => resolve(null));
  });
  const running = (): boolean => child.exitCode === null && child.signalCode === null;

  return {
    name,
    child,
    pid: child.pid ?? -1,
    exited,
    output: () => text,
    waitForOutput: (pattern, timeoutMs = 10_000) =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          listeners.delete(check);
          reject(new Error(`${name}: no ${pattern} within ${timeoutMs} ms:\n${text.slice(-2000)}`));
        }, timeoutMs);
        const check = (): void => {
          if (pattern.test(text)) {
            clearTimeout(timer);
            listeners.delete(check);
            resolve();
          } else if (!running()) {
            clearTimeout(timer);
            listeners.delete(check);
            reject(new Error(`${name} exited (${child.exitCode ?? child.signalCode}):\n${text.slice(-2000)}`));
          }
        };
        listeners.add(check);
        check();
      }),
    stop: async (signal = 'SIGTERM', graceMs = 15_000) => {
      if (!running()) return child.exitCode;
      child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      try {
        return await exited;
      } finally {
        clearTimeout(timer);
      }
    },
  };
}
