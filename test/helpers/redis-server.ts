// A redis-server of the test's own: a free port, a temp dir, append-only
// with fsync on every write, stopped by its PID. It can be killed, paused
// and started again on the same port and dir. Never the Redis on 6379.

import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'vitest';

export const hasRedisServer = spawnSync('redis-server', ['--version']).status === 0;

/**
 * `describe` for suites that need redis-server: skipped with a loud warning
 * where it is missing, failed instead when JNHP_REQUIRE_REDIS=1 (CI).
 */
export function describeWithRedis(name: string, body: () => void): void {
  if (hasRedisServer) {
    describe(name, body);
  } else if (process.env.JNHP_REQUIRE_REDIS === '1') {
    describe(name, () => {
      it('finds redis-server on PATH', () => {
        throw new Error('redis-server is not on PATH, and JNHP_REQUIRE_REDIS=1 requires the Redis suites to run');
      });
    });
  } else {
    console.warn(
      `\n**** WARNING: redis-server is not on PATH: SKIPPING "${name}". Install it (apt-get install redis-server) to run the Redis suites. ****\n`,
    );
    describe.skip(name, body);
  }
}

export interface RedisServer {
  readonly port: number;
  readonly dir: string;
  /** redis://127.0.0.1:PORT */
  readonly url: string;
  /** The PID of the current process (it changes on restart). */
  readonly pid: number;
  /** Everything the current process printed. */
  output(): string;
  /** SIGKILL, and resolves once it has exited. */
  kill(): Promise<void>;
  /** SIGSTOP / SIGCONT. */
  pause(): void;
  resume(): void;
  /** Starts again on the same port and dir (after kill). */
  restart(): Promise<void>;
  /** Kills it and removes its dir. */
  stop(): Promise<void>;
}

export interface RedisServerOptions {
  /** More redis-server arguments, e.g. ['--requirepass', 'secret'], or a function of the port. */
  readonly args?: readonly string[] | ((port: number) => readonly string[]);
  /** Needs port + 10000 free too (a Redis Cluster node's bus). */
  readonly clusterBus?: boolean;
  /** A port to use instead of a free one. */
  readonly port?: number;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

async function freeClusterPort(): Promise<number> {
  for (;;) {
    const port = await freePort();
    if (port + 10000 > 65535) continue;
    const bus = await new Promise<boolean>((resolve) => {
      const server = net.createServer();
      server.once('error', () => resolve(false));
      server.listen(port + 10000, '127.0.0.1', () => server.close(() => resolve(true)));
    });
    if (bus) return port;
  }
}

export interface RedisSentinel {
  readonly port: number;
  readonly pid: number;
  stop(): Promise<void>;
}

/** A Redis Sentinel on a free port that monitors the master on `masterPort` as `name`. */
export async function startRedisSentinel(masterPort: number, name: string): Promise<RedisSentinel> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'jnhp-sentinel-'));
  const port = await freePort();
  const config = path.join(dir, 'sentinel.conf');
  writeFileSync(
    config,
    [
      `port ${port}`,
      'bind 127.0.0.1',
      `dir ${dir}`,
      `sentinel monitor ${name} 127.0.0.1 ${masterPort} 1`,
      `sentinel down-after-milliseconds ${name} 60000`,
      '',
    ].join('\n'),
  );
  const sentinel = await run([config, '--sentinel', '--logfile', ''], /\+monitor master/);
  return {
    port,
    pid: sentinel.child.pid as number,
    stop: async () => {
      if (sentinel.running()) {
        sentinel.child.kill('SIGKILL');
        await sentinel.exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export async function startRedisServer(options: RedisServerOptions = {}): Promise<RedisServer> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'jnhp-redis-'));
  for (let tries = 0; ; tries++) {
    const port = options.port ?? (await (options.clusterBus ? freeClusterPort() : freePort()));
    const args = typeof options.args === 'function' ? options.args(port) : (options.args ?? []);
    try {
      return await launch(port, dir, args);
    } catch (err) {
      // Someone took the port between freePort() and redis-server's bind: try another.
      if (tries >= 3 || options.port !== undefined || !/Address already in use/.test(String(err))) {
        rmSync(dir, { recursive: true, force: true });
        throw err;
      }
    }
  }
}

async function launch(port: number, dir: string, extra: readonly string[]): Promise<RedisServer> {
  const args = [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--dir',
    dir,
    '--appendonly',
    'yes',
    '--appendfsync',
    'always',
    '--save',
    '',
    '--protected-mode',
    'no',
    '--logfile',
    '',
    ...extra,
  ];
  let current = await run(args);
  return {
    port,
    dir,
    url: `redis://127.0.0.1:${port}`,
    get pid() {
      return current.child.pid as number;
    },
    output: () => current.output(),
    kill: async () => {
      if (current.running()) {
        current.child.kill('SIGKILL');
        await current.exited;
      }
    },
    pause: () => {
      current.child.kill('SIGSTOP');
    },
    resume: () => {
      current.child.kill('SIGCONT');
    },
    restart: async () => {
      if (current.running()) throw new Error('redis-server is still running');
      current = await run(args);
    },
    stop: async () => {
      if (current.running()) {
        current.child.kill('SIGKILL');
        await current.exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

interface Running {
  readonly child: ChildProcess;
  readonly exited: Promise<void>;
  running(): boolean;
  output(): string;
}

/** Starts redis-server and resolves once it accepts connections. */
function run(args: readonly string[], ready = /Ready to accept connections/): Promise<Running> {
  const child = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let text = '';
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const running = (): boolean => child.exitCode === null && child.signalCode === null;
  const handle: Running = { child, exited, running, output: () => text };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`redis-server ${args.join(' ')} not ready within 10 s:\n${text}`));
    }, 10_000);
    const onData = (chunk: Buffer): void => {
      text = (text + chunk.toString('utf8')).slice(-64 * 1024);
      if (ready.test(text)) {
        clearTimeout(timer);
        resolve(handle);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', () => {
      clearTimeout(timer);
      reject(new Error(`redis-server exited before it was ready:\n${text}`));
    });
  });
}
