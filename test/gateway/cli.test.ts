import { readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { LineClient } from '../helpers/line-client.js';
import { repoRoot } from '../helpers/repo-root.js';
import { cleanEnv, runCli } from '../helpers/run-cli.js';
import { type SpawnedGateway, spawnGateway } from '../helpers/spawn-gateway.js';

const SPEC_FLAGS = [
  '--host',
  '--tcp-port',
  '--http-port',
  '--store',
  '--data-dir',
  '--redis-url',
  '--redis-prefix',
  '--store-timeout-ms',
  '--validator',
  '--validator-timeout-ms',
  '--validator-concurrency',
  '--validator-failure',
  '--validator-queue',
  '--validator-env',
  '--max-line-bytes',
  '--max-connections',
  '--drain-timeout-ms',
  '--max-client-memory',
  '--idle-timeout-ms',
  '--log-level',
  '--acl-file',
  '--allowed-origins',
  '--store-rate',
  '--max-connections-per-address',
  '--tls-cert',
  '--tls-key',
  '--tls-port',
];

/** Send and receive queues of a local TCP socket, from /proc/net/tcp (Linux). */
function tcpQueues(localPort: number, remotePort: number): { tx: number; rx: number } | undefined {
  const hexPort = (port: number): string => port.toString(16).toUpperCase().padStart(4, '0');
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let table: string;
    try {
      table = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    for (const row of table.split('\n').slice(1)) {
      const [, local, remote, , queues] = row.trim().split(/\s+/);
      if (local?.endsWith(`:${hexPort(localPort)}`) && remote?.endsWith(`:${hexPort(remotePort)}`)) {
        const [tx, rx] = (queues ?? '0:0').split(':').map((hex) => Number.parseInt(hex, 16));
        return { tx: tx ?? 0, rx: rx ?? 0 };
      }
    }
  }
  return undefined;
}

async function waitFor(what: string, condition: () => boolean, timeoutMs = 5000): Promise<void> {
  await expect.poll(condition, { timeout: timeoutMs, interval: 10, message: what }).toBe(true);
}

describe('the jnhp-gateway command', () => {
  const badInputs: [string, string[], NodeJS.ProcessEnv, RegExp][] = [
    ['an unknown flag', ['--bogus'], {}, /bogus/],
    ['a port out of range', ['--tcp-port', '99999'], {}, /--tcp-port.*99999/],
    ['an unknown store', ['--store', 'bogus'], {}, /--store.*bogus/],
    ['a line limit that is not a number', ['--max-line-bytes', 'abc'], {}, /--max-line-bytes.*abc/],
    ['a flag without its value', ['--max-connections'], {}, /max-connections/],
    ['a positional argument', ['serve'], {}, /serve/],
    ['a bad port in the environment', [], { JNHP_TCP_PORT: 'x' }, /tcp-port.*'x'/],
    ['a bad store in the environment', [], { JNHP_STORE: 'disk' }, /store.*disk/],
    ['a negative connection cap in the environment', [], { JNHP_MAX_CONNECTIONS: '-1' }, /max-connections.*-1/],
    ['a client memory budget in no known unit', ['--max-client-memory', '5t'], {}, /max-client-memory.*5t/],
    ['a client memory budget under 1 MiB', [], { JNHP_MAX_CLIENT_MEMORY: '512k' }, /max-client-memory.*512k/],
    ['an idle timeout that is not a number', ['--idle-timeout-ms', 'soon'], {}, /idle-timeout-ms.*soon/],
    [
      'an allowed origin with a path',
      ['--allowed-origins', 'https://a.example/app'],
      {},
      /allowed-origins.*a\.example/,
    ],
    ['a store rate that is not a number', ['--store-rate', 'fast'], {}, /store-rate.*fast/],
    ['a certificate without its key', ['--tls-cert', 'cert.pem'], {}, /--tls-key is missing/],
    ['a key without its certificate in the environment', [], { JNHP_TLS_KEY: 'key.pem' }, /--tls-cert is missing/],
    ['a TLS port without a certificate', ['--tls-port', '0'], {}, /--tls-port needs --tls-cert/],
  ];

  it.each(badInputs)('exits 2 with one line on stderr and no stack trace on %s', async (_, args, env, message) => {
    // Free ports, in case a bad value were taken for a good one and the gateway started.
    const ports = args.includes('--tcp-port') ? ['--http-port', '0'] : ['--tcp-port', '0', '--http-port', '0'];
    const run = await runCli(env.JNHP_TCP_PORT ? [...args, '--http-port', '0'] : [...args, ...ports], env);
    expect(run.code).toBe(2);
    expect(run.stderr.endsWith('\n')).toBe(true);
    expect(run.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(run.stderr).toMatch(message);
    expect(run.stderr).not.toMatch(/\bat .*:\d+:\d+/);
    expect(run.stdout).not.toContain('listening');
  });

  it('prints the version of package.json with --version and exits 0', async () => {
    const { version } = JSON.parse(readFileSync(path.join(repoRoot(), 'package.json'), 'utf8')) as { version: string };
    const run = await runCli(['--version']);
    expect(run).toEqual({ code: 0, stdout: `${version}\n`, stderr: '' });
  });

  it('prints every flag of SPEC section 6 with --help and exits 0', async () => {
    const run = await runCli(['--help']);
    expect(run.code).toBe(0);
    for (const flag of SPEC_FLAGS) expect(run.stdout).toContain(flag);
    expect(run.stderr).toBe('');
  });
});

describe('the running gateway', () => {
  let gateway: SpawnedGateway | undefined;
  const sockets: net.Socket[] = [];

  afterEach(async () => {
    for (const socket of sockets) socket.destroy();
    sockets.length = 0;
    await gateway?.stop('SIGKILL');
    gateway = undefined;
  });

  async function client(port: number): Promise<LineClient> {
    const c = await LineClient.connect(port);
    sockets.push(c.socket);
    return c;
  }

  it('logs JSON lines on stdout, the listening line giving the real ports', async () => {
    gateway = await spawnGateway([], { env: cleanEnv() });
    const listening = gateway.logs.find((line) => line.msg === 'listening');
    expect(listening).toMatchObject({ level: 'info', tcpPort: gateway.tcpPort });
    expect(gateway.tcpPort).toBeGreaterThan(0);
    expect(typeof listening?.time).toBe('string');
    expect(await (await client(gateway.tcpPort)).request('PING')).toBe('PONG');
  });

  it('takes its settings from the environment', async () => {
    gateway = await spawnGateway([], { env: cleanEnv({ JNHP_MAX_LINE_BYTES: '32' }) });
    const c = await client(gateway.tcpPort);
    expect(await c.request(`STORE env-limit ${'x'.repeat(40)}`)).toBe(
      'ERROR line longer than 32 bytes (see --max-line-bytes)',
    );
  });

  it('lets flags win over the environment, even over a bad environment value', async () => {
    gateway = await spawnGateway(['--max-line-bytes', '1000', '--max-connections', '5'], {
      env: cleanEnv({ JNHP_MAX_LINE_BYTES: '32', JNHP_TCP_PORT: 'x', JNHP_MAX_CONNECTIONS: '1' }),
    });
    const first = await client(gateway.tcpPort);
    const second = await client(gateway.tcpPort);
    expect(await first.request(`STORE flag-limit ${'x'.repeat(500)}`)).toBe('W00T!');
    expect(await second.request('PING')).toBe('PONG');
  });

  it.each(['SIGINT', 'SIGTERM'] as const)('exits 0 on %s sent as soon as it logs listening', async (signal) => {
    gateway = await spawnGateway([], { env: cleanEnv() });
    expect(await gateway.stop(signal)).toBe(0);
    expect(gateway.child.signalCode).toBeNull();
  });

  it('answers pipelined commands on SIGTERM, refuses new connections meanwhile, then exits 0', async () => {
    gateway = await spawnGateway([], { env: cleanEnv() });
    const { tcpPort } = gateway;
    const value = 'v'.repeat(60_000);
    const gets = 1000;

    const slow = net.connect({ port: tcpPort, host: '127.0.0.1' });
    sockets.push(slow);
    await new Promise((resolve) => slow.once('connect', resolve));
    const stored = new Promise<string>((resolve) => slow.once('data', (chunk: Buffer) => resolve(chunk.toString())));
    slow.write(`STORE drain-big ${value}\r\n`);
    expect(await stored).toBe('W00T!\r\n');

    // 60 MB of replies the client does not read yet: the gateway cannot finish them before it does.
    slow.pause();
    slow.write(`${'GET drain-big\r\n'.repeat(gets)}PING\r\n`);
    const localPort = slow.localPort as number;
    await waitFor('the gateway has read every command', () => {
      const sent = tcpQueues(localPort, tcpPort);
      const received = tcpQueues(tcpPort, localPort);
      return sent?.tx === 0 && received?.rx === 0 && slow.writableLength === 0;
    });

    const exited = gateway.stop('SIGTERM');
    await gateway.waitForLog((line) => line.msg === 'draining');
    await expect(LineClient.connect(tcpPort)).rejects.toThrow(/ECONNREFUSED/);
    expect(gateway.child.exitCode).toBeNull();

    let bytes = 0;
    let lines = 0;
    let tail = '';
    const ended = new Promise<void>((resolve) => slow.once('end', resolve));
    slow.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
      for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) lines++;
      tail = (tail + chunk.toString('latin1', Math.max(0, chunk.length - 6))).slice(-6);
    });
    slow.resume();
    await ended;
    expect(lines).toBe(gets + 1);
    expect(bytes).toBe(gets * (value.length + 2) + 'PONG\r\n'.length);
    expect(tail).toBe('PONG\r\n');
    expect(await exited).toBe(0);
  });
});
