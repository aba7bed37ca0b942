// Starts the built gateway (dist/gateway/main.js) as a child process on free
// ports and waits for its `listening` log line.

import { type ChildProcess, spawn } from 'node:child_process';
import { gatewayBin } from './repo-root.js';

export interface SpawnedGateway {
  readonly child: ChildProcess;
  readonly pid: number;
  readonly tcpPort: number;
  readonly httpPort: number;
  /** With --tls-port. */
  readonly tlsPort: number | undefined;
  /** Every JSON log line so far. */
  readonly logs: Record<string, unknown>[];
  /** Sends `signal` and resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
  /** Resolves with the first log line for which `match` holds. */
  waitForLog(match: (line: Record<string, unknown>) => boolean, timeoutMs?: number): Promise<Record<string, unknown>>;
}

export interface SpawnOptions {
  readonly env?: NodeJS.ProcessEnv;
  readonly timeoutMs?: number;
  readonly nodeArgs?: readonly string[];
  readonly cwd?: string;
  /** Another build of the gateway to run (a bench comparing two builds); default: this checkout's. */
  readonly bin?: string;
  /** A program and its arguments that run node with the rest, e.g. ['prlimit', '--fsize=65536']. */
  readonly launcher?: readonly string[];
}

export async function spawnGateway(args: readonly string[] = [], options: SpawnOptions = {}): Promise<SpawnedGateway> {
  const [program = process.execPath, ...launch] = [...(options.launcher ?? []), process.execPath];
  const child = spawn(
    program,
    [
      ...launch,
      ...(options.nodeArgs ?? []),
      options.bin ?? gatewayBin(),
      '--tcp-port',
      '0',
      '--http-port',
      '0',
      ...args,
    ],
    { cwd: options.cwd, env: { ...process.env, ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const logs: Record<string, unknown>[] = [];
  const waiters = new Set<() => void>();
  let stderr = '';
  let buffered = '';
  child.stdout.setEncoding('utf8').on('data', (text: string) => {
    buffered += text;
    let nl = buffered.indexOf('\n');
    while (nl !== -1) {
      const line = buffered.slice(0, nl);
      buffered = buffered.slice(nl + 1);
      try {
        logs.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        logs.push({ raw: line });
      }
      nl = buffered.indexOf('\n');
    }
    for (const w of waiters) w();
  });
  child.stderr.setEncoding('utf8').on('data', (text: string) => {
    stderr += text;
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  exited.then(() => {
    for (const w of waiters) w();
  });

  const waitForLog: SpawnedGateway['waitForLog'] = (match, timeoutMs = 10_000) =>
    new Promise((resolve, reject) => {
      const check = (): void => {
        const found = logs.find(match);
        if (found) {
          done();
          resolve(found);
        } else if (child.exitCode !== null || child.signalCode !== null) {
          done();
          reject(new Error(`gateway exited (${child.exitCode ?? child.signalCode}): ${stderr.trim()}`));
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`no matching log line within ${timeoutMs} ms; stderr: ${stderr.trim()}`));
      }, timeoutMs);
      const done = (): void => {
        clearTimeout(timer);
        waiters.delete(check);
      };
      waiters.add(check);
      check();
    });

  const listening = await waitForLog((l) => l.msg === 'listening', options.timeoutMs ?? 10_000).catch((err) => {
    child.kill('SIGKILL');
    throw err;
  });
  return {
    child,
    pid: child.pid as number,
    tcpPort: Number(listening.tcpPort),
    httpPort: Number(listening.httpPort),
    tlsPort: listening.tlsPort === undefined ? undefined : Number(listening.tlsPort),
    logs,
    waitForLog,
    stop: (signal = 'SIGTERM') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}
