// `exec:PROGRAM [ARGS...]`: runs `PROGRAM ARGS... <value>` without a shell
// for every STORE, in its own process group and with a small environment
// (SPEC section 4); the first stdout line `JNHP:<int>` decides.

import { type ChildProcess, spawn } from 'node:child_process';
import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import path from 'node:path';
import type { HookSignal } from '../validation/hook-signal.js';
import type { ValidationRequest } from '../validation/validation.js';
import type { Validator } from '../validation/validator.js';
import { hookEnvironment } from './hook-environment.js';
import { VerdictScanner } from './verdict-scanner.js';

/** The end of stderr kept to explain a failure in the log. */
const STDERR_TAIL_CHARS = 300;
/** How long output may still come after the program exited. */
const PIPE_GRACE_MS = 200;

export interface ExecOptions {
  /** The gateway's environment: only PATH, LANG and the `passEnv` names are taken from it. */
  readonly env: NodeJS.ProcessEnv;
  /** Names of further variables handed on (`--validator-env`). */
  readonly passEnv: readonly string[];
}

export class ExecValidator implements Validator {
  private readonly baseEnv: Record<string, string>;
  private readonly running = new Set<ChildProcess>();

  constructor(
    readonly name: string,
    private readonly program: string,
    private readonly args: readonly string[],
    options: ExecOptions,
  ) {
    this.baseEnv = hookEnvironment(options.env, options.passEnv);
  }

  decide(request: ValidationRequest, signal: HookSignal): Promise<boolean> {
    return new Promise<boolean>((resolve, reject) => {
      const env = {
        ...this.baseEnv,
        JNHP_NAME: request.name,
        JNHP_TRANSPORT: request.client.transport,
        JNHP_REMOTE_ADDR: request.client.remoteAddress,
        JNHP_USER: request.client.user,
      };
      let child: ChildProcess;
      try {
        // detached: the child leads a new process group (and session), so that
        // it and everything it started can be killed together.
        child = spawn(this.program, [...this.args, request.value], {
          env,
          detached: true,
          stdio: ['ignore', 'pipe', 'pipe'],
        });
      } catch (err) {
        reject(new Error(`cannot run '${this.program}'`, { cause: err }));
        return;
      }
      const pid = child.pid;
      const scanner = new VerdictScanner();
      let stderrTail = '';
      let spawnError: Error | null = null;
      let exited = false;
      const killGroup = (): void => {
        if (pid === undefined) return;
        try {
          process.kill(-pid, 'SIGKILL');
        } catch {
          // ESRCH: the group is already gone.
        }
      };
      const onAbort = (): void => {
        // Not yet reaped, so the group id cannot belong to anyone else.
        if (!exited) killGroup();
      };
      signal.onAbort(onAbort);
      this.running.add(child);

      // Read stdout to its end even after the verdict, so the program never blocks on a full pipe.
      child.stdout?.on('data', (chunk: Buffer) => scanner.feed(chunk));
      child.stderr?.setEncoding('utf8').on('data', (text: string) => {
        stderrTail = (stderrTail + text).slice(-STDERR_TAIL_CHARS);
      });
      child.once('error', (err) => {
        spawnError ??= err;
      });
      child.once('exit', () => {
        exited = true;
        // Whatever the program left running in its group goes with it.
        killGroup();
        // A process that left the group (setsid) may still hold the pipes: stop waiting for them soon.
        const timer = setTimeout(() => {
          child.stdout?.destroy();
          child.stderr?.destroy();
        }, PIPE_GRACE_MS);
        child.once('close', () => clearTimeout(timer));
      });
      child.once('close', (code: number | null, killedBy: NodeJS.Signals | null) => {
        signal.offAbort(onAbort);
        this.running.delete(child);
        const verdict = scanner.finish();
        if (verdict !== null) resolve(verdict);
        else if (spawnError !== null) reject(new Error(`cannot run '${this.program}'`, { cause: spawnError }));
        else if (signal.aborted) reject(new Error('killed at the timeout'));
        else {
          const how = killedBy !== null ? `killed by ${killedBy}` : `exited with code ${code}`;
          const stderr = stderrTail.trim() === '' ? '' : `; stderr: ${stderrTail.trim().replace(/\s+/g, ' ')}`;
          reject(new Error(`${how} without a JNHP:<int> line on stdout${stderr}`));
        }
      });
    });
  }

  /** Kills every process group still running and waits until they are reaped. */
  async close(): Promise<void> {
    const children = [...this.running];
    const closed = children.map((child) => new Promise((resolve) => child.once('close', resolve)));
    for (const child of children) {
      if (child.pid !== undefined && child.exitCode === null && child.signalCode === null) {
        try {
          process.kill(-child.pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
    }
    await Promise.all(closed);
  }
}

/** Checks at startup that PROGRAM can be run: found on PATH (or at its path) and executable. */
export async function findProgram(program: string, env: NodeJS.ProcessEnv, cwd: string): Promise<string> {
  const candidates = program.includes('/')
    ? [path.resolve(cwd, program)]
    : (env.PATH ?? '')
        .split(path.delimiter)
        .filter((dir) => dir !== '')
        .map((dir) => path.resolve(cwd, dir, program));
  for (const candidate of candidates) {
    try {
      if ((await stat(candidate)).isFile()) {
        await access(candidate, constants.X_OK);
        return candidate;
      }
    } catch {
      // try the next one
    }
  }
  throw new Error(
    program.includes('/') ? `'${program}' is not an executable file` : `'${program}' is not an executable on PATH`,
  );
}
