// --store file through the built gateway on a real disk: restarts after
// SIGTERM and kill -9, torn and damaged logs, the directory lock, the
// default directory, and a write the file system refuses.

import { spawnSync } from 'node:child_process';
import {
  appendFileSync,
  existsSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LineClient } from '../helpers/line-client.js';
import { runCli } from '../helpers/run-cli.js';
import { type SpawnedGateway, type SpawnOptions, spawnGateway } from '../helpers/spawn-gateway.js';

const hasPrlimit = spawnSync('prlimit', ['--version']).status === 0;

let dir: string;
let dataDir: string;
let logFile: string;
const running: SpawnedGateway[] = [];

beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'jnhp-file-gw-'));
  dataDir = path.join(dir, 'data');
  logFile = path.join(dataDir, 'jnhp.log');
});

afterEach(async () => {
  await Promise.all(running.splice(0).map((g) => g.stop('SIGKILL')));
  rmSync(dir, { recursive: true, force: true });
});

async function start(args: readonly string[] = [], options: SpawnOptions = {}): Promise<SpawnedGateway> {
  const gateway = await spawnGateway(['--store', 'file', '--data-dir', dataDir, ...args], options);
  running.push(gateway);
  return gateway;
}

const valueFor = (name: string): string => `${name} value\twith  spaces ✓`;

/** STOREs `names` on one connection, pipelined; the replies in order. */
async function storeAll(port: number, names: readonly string[]): Promise<string[]> {
  const client = await LineClient.connect(port);
  client.send(names.map((name) => `STORE ${name} ${valueFor(name)}\r\n`).join(''));
  const replies = await client.readLines(names.length);
  client.close();
  return replies;
}

/** GETs `names` on one connection, pipelined; the replies in order. */
async function getAll(port: number, names: readonly string[]): Promise<string[]> {
  const client = await LineClient.connect(port);
  client.send(names.map((name) => `GET ${name}\r\n`).join(''));
  const replies = await client.readLines(names.length, 20_000);
  client.close();
  return replies;
}

/**
 * Fresh STOREs on `connections` sockets, each keeping up to 256 in flight,
 * until the sockets close; keeps every name that got W00T!.
 */
function storeLoad(port: number, connections: number) {
  const acked: string[] = [];
  const other: string[] = [];
  let wanted = Number.POSITIVE_INFINITY;
  let reached: () => void = () => {};
  const enough = new Promise<void>((resolve) => (reached = resolve));
  const closed = Array.from({ length: connections }, (_, c) => {
    const socket = net.connect({ port, host: '127.0.0.1' });
    const sent: string[] = [];
    let seq = 0;
    let buffered = '';
    const refill = (): void => {
      let text = '';
      while (sent.length < 256) {
        const name = `load${c}_${seq++}`;
        sent.push(name);
        text += `STORE ${name} ${valueFor(name)}\r\n`;
      }
      if (text !== '') socket.write(text);
    };
    socket.setEncoding('utf8');
    socket.on('connect', refill);
    socket.on('data', (text: string) => {
      buffered += text;
      for (let nl = buffered.indexOf('\r\n'); nl !== -1; nl = buffered.indexOf('\r\n')) {
        const reply = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 2);
        const name = sent.shift() as string;
        (reply === 'W00T!' ? acked : other).push(`${name}: ${reply}`.replace(/: W00T!$/, ''));
      }
      if (acked.length >= wanted) reached();
      refill();
    });
    socket.on('error', () => {});
    return new Promise<void>((resolve) => socket.once('close', () => resolve()));
  });
  return {
    acked,
    other,
    /** Resolves once `count` STOREs got W00T!. */
    reach(count: number): Promise<void> {
      wanted = count;
      if (acked.length >= count) reached();
      return enough;
    },
    closed: Promise.all(closed),
  };
}

describe('--store file', () => {
  it('gives back every W00T! after a restart that followed SIGTERM', async () => {
    let gateway = await start();
    const names = Array.from({ length: 2000 }, (_, i) => `term${i}`);
    const halves = [names.slice(0, 1000), names.slice(1000)];
    const replies = await Promise.all(halves.map((half) => storeAll(gateway.tcpPort, half)));
    expect(replies.flat().every((r) => r === 'W00T!')).toBe(true);
    expect(await gateway.stop('SIGTERM')).toBe(0);
    expect(existsSync(path.join(dataDir, 'jnhp.lock'))).toBe(false);
    gateway = await start();
    expect(gateway.logs.find((l) => l.msg === 'log read back')).toMatchObject({ file: logFile, names: 2000 });
    expect(await getAll(gateway.tcpPort, names)).toEqual(names.map(valueFor));
    expect(await storeAll(gateway.tcpPort, ['term0'])).toEqual(['RARGH!']);
  });

  it('gives back every W00T! after kill -9 under a load of fresh STOREs', async () => {
    // A slow fsync on a busy machine must not turn STOREs into ERRORs here.
    let gateway = await start(['--store-timeout-ms', '60000']);
    const load = storeLoad(gateway.tcpPort, 8);
    await load.reach(3000);
    await gateway.stop('SIGKILL');
    await load.closed;
    expect(load.other).toEqual([]);
    const acked = [...load.acked];
    expect(acked.length).toBeGreaterThanOrEqual(3000);
    // The stale lock of the killed gateway does not keep the next one out.
    gateway = await start();
    expect(await getAll(gateway.tcpPort, acked)).toEqual(acked.map(valueFor));
  });

  it('cuts off a torn last record (bytes cut), logs it, and starts with the names before it', async () => {
    let gateway = await start();
    expect(await storeAll(gateway.tcpPort, ['kept'])).toEqual(['W00T!']);
    const before = statSync(logFile).size;
    expect(await storeAll(gateway.tcpPort, ['torn'])).toEqual(['W00T!']);
    expect(await gateway.stop()).toBe(0);
    truncateSync(logFile, statSync(logFile).size - 3);
    gateway = await start();
    const line = gateway.logs.find((l) => String(l.msg).startsWith('torn last record cut off'));
    expect(line).toMatchObject({ level: 'warn', file: logFile, offset: before });
    expect(await getAll(gateway.tcpPort, ['kept', 'torn'])).toEqual([valueFor('kept'), '']);
    expect(statSync(logFile).size).toBe(before);
  });

  it('cuts off bytes appended after the last record, logs it, and keeps every name', async () => {
    let gateway = await start();
    expect(await storeAll(gateway.tcpPort, ['a', 'b', 'c'])).toEqual(['W00T!', 'W00T!', 'W00T!']);
    expect(await gateway.stop()).toBe(0);
    const size = statSync(logFile).size;
    appendFileSync(logFile, Buffer.from([0x10, 0, 0, 0, 0xde, 0xad, 0xbe, 0xef, 1, 2, 3]));
    gateway = await start();
    expect(gateway.logs.find((l) => String(l.msg).startsWith('torn last record cut off'))).toMatchObject({
      file: logFile,
      offset: size,
      bytes: 11,
    });
    expect(await getAll(gateway.tcpPort, ['a', 'b', 'c'])).toEqual(['a', 'b', 'c'].map(valueFor));
  });

  it('stops with exit code 2, naming the file and the offset, at a flipped byte mid-log', async () => {
    const gateway = await start();
    expect(await storeAll(gateway.tcpPort, ['first'])).toEqual(['W00T!']);
    expect(await storeAll(gateway.tcpPort, ['second'])).toEqual(['W00T!']);
    expect(await gateway.stop()).toBe(0);
    const bytes = readFileSync(logFile);
    // The first frame starts after the 8-byte file header; flip a byte of its name.
    const at = bytes.indexOf('first');
    bytes[at] = (bytes[at] as number) ^ 1;
    writeFileSync(logFile, bytes);
    const run = await runCli(['--tcp-port', '0', '--http-port', '0', '--store', 'file', '--data-dir', dataDir]);
    expect(run.code).toBe(2);
    expect(run.stderr).toBe(
      `jnhp-gateway: ${logFile}: damaged record at offset 8, with intact records after it (see docs/file-store.md)\n`,
    );
    expect(readFileSync(logFile)).toEqual(bytes);
  });

  it('refuses a second gateway on the same directory with exit code 2', async () => {
    const first = await start();
    const run = await runCli(['--tcp-port', '0', '--http-port', '0', '--store', 'file', '--data-dir', dataDir]);
    expect(run.code).toBe(2);
    expect(run.stderr).toBe(
      `jnhp-gateway: ${path.join(dataDir, 'jnhp.lock')}: the data directory is in use by another gateway (PID ${first.pid})\n`,
    );
    expect(await storeAll(first.tcpPort, ['still'])).toEqual(['W00T!']);
  });

  it('keeps its log in ./jnhp-data by default', async () => {
    const env = { JNHP_DATA_DIR: undefined };
    let gateway = await spawnGateway(['--store', 'file'], { cwd: dir, env });
    running.push(gateway);
    expect(await storeAll(gateway.tcpPort, ['here'])).toEqual(['W00T!']);
    expect(await gateway.stop()).toBe(0);
    expect(statSync(path.join(dir, 'jnhp-data', 'jnhp.log')).size).toBeGreaterThan(8);
    gateway = await spawnGateway(['--store', 'file'], { cwd: dir, env });
    running.push(gateway);
    expect(await getAll(gateway.tcpPort, ['here'])).toEqual([valueFor('here')]);
  });

  it.runIf(hasPrlimit)(
    'answers storage unavailable when the file system refuses a write, stores nothing, and the next STORE works',
    async () => {
      // The file size limit stands in for a full disk: a write past it fails (EFBIG).
      let gateway = await start(['--max-line-bytes', '200000'], { launcher: ['prlimit', '--fsize=65536'] });
      const client = await LineClient.connect(gateway.tcpPort);
      expect(await client.request(`STORE small ${valueFor('small')}`)).toBe('W00T!');
      expect(await client.request(`STORE big ${'x'.repeat(100_000)}`)).toBe('ERROR storage unavailable');
      await gateway.waitForLog((l) => l.msg === 'log write failed; STOREs answer storage unavailable');
      expect(await client.request('GET big')).toBe('');
      expect(await client.request('EXISTS big')).toBe('RARGH!');
      expect(await client.request(`STORE after ${valueFor('after')}`)).toBe('W00T!');
      expect(await client.request('GET small')).toBe(valueFor('small'));
      client.close();
      expect(await gateway.stop()).toBe(0);
      gateway = await start();
      expect(gateway.logs.find((l) => String(l.msg).startsWith('torn'))).toBeUndefined();
      expect(await getAll(gateway.tcpPort, ['small', 'big', 'after'])).toEqual([
        valueFor('small'),
        '',
        valueFor('after'),
      ]);
    },
  );
});
