// The sample validators of deploy/validators, enabled with the flags the
// README gives for them.

import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LineClient } from '../helpers/line-client.js';
import { repoRoot } from '../helpers/repo-root.js';
import { spawnGateway } from '../helpers/spawn-gateway.js';

const root = repoRoot();

/** Runs a gateway with `validator` and sends each STORE on one connection. */
async function storesWith(validator: string, lines: readonly string[]): Promise<string[]> {
  const gateway = await spawnGateway(['--validator', validator]);
  try {
    const client = await LineClient.connect(gateway.tcpPort);
    const replies: string[] = [];
    for (const line of lines) replies.push(await client.request(line));
    client.close();
    return replies;
  } finally {
    await gateway.stop();
  }
}

describe('deploy/validators/jnhp-determine', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'jnhp-determine-'));
    writeFileSync(path.join(dir, 'deny.txt'), 'spam\n\nscam\n');
  });
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('refuses values over --max-bytes or holding a denied word, and allows the rest', async () => {
    const program = path.join(root, 'deploy', 'validators', 'jnhp-determine');
    const validator = `exec:${program} --max-bytes 20 --deny-file ${path.join(dir, 'deny.txt')}`;
    expect(
      await storesWith(validator, [
        'STORE d-ok hello world',
        'STORE d-long this value is longer than twenty bytes',
        'STORE d-spam buy SPAM now',
      ]),
    ).toEqual(['W00T!', 'RARGH!', 'RARGH!']);
  });
});

describe.each(['jnhp-helper.py', 'jnhp-helper.mjs'])('deploy/validators/%s', (sample) => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'jnhp-helper-sample-'));
    writeFileSync(path.join(dir, 'deny.txt'), 'spam\n\nscam\n');
  });
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('refuses values over --max-bytes or holding a denied word, and allows the rest', async () => {
    const program = path.join(root, 'deploy', 'validators', sample);
    const validator = `helper:${program} --max-bytes 20 --deny-file ${path.join(dir, 'deny.txt')}`;
    expect(
      await storesWith(validator, [
        'STORE s-ok hello world',
        'STORE s-long this value is longer than twenty bytes',
        'STORE s-spam buy SPAM now',
        'STORE s-ok2 {"json": "fine"}',
      ]),
    ).toEqual(['W00T!', 'RARGH!', 'RARGH!', 'W00T!']);
  });
});

describe('deploy/validators/json-values', () => {
  it('allows JSON objects and arrays in the worker pool, and refuses anything else', async () => {
    const validator = `worker:${path.join(root, 'dist', 'deploy', 'validators', 'json-values.js')}#jsonValues`;
    expect(
      await storesWith(validator, [
        'STORE j-object {"a": [1, 2]}',
        'STORE j-array [1, {"b": null}]',
        'STORE j-text plain text',
        'STORE j-number 42',
        `STORE j-deep ${'['.repeat(40)}${']'.repeat(40)}`,
      ]),
    ).toEqual(['W00T!', 'W00T!', 'RARGH!', 'RARGH!', 'RARGH!']);
  });
});

describe('deploy/validators/webhook-server', () => {
  let server: ChildProcess;
  let url: string;
  beforeAll(async () => {
    server = spawn(process.execPath, [path.join(root, 'dist', 'deploy', 'validators', 'webhook-server.js')], {
      env: { ...process.env, PORT: '0', DENY_WORDS: 'spam, scam' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    url = await new Promise<string>((resolve, reject) => {
      server.stdout?.setEncoding('utf8').once('data', (text: string) => resolve(JSON.parse(text).url));
      server.once('exit', (code) => reject(new Error(`webhook server exited ${code}`)));
    });
  });
  afterAll(() => {
    if (server?.pid !== undefined) process.kill(server.pid, 'SIGTERM');
  });

  it('allows, refuses denied words, and lets loopback clients store local. names', async () => {
    expect(await storesWith(url, ['STORE w-ok hello', 'STORE w-spam some Scam here', 'STORE local.mine v'])).toEqual([
      'W00T!',
      'RARGH!',
      'W00T!',
    ]);
  });
});
