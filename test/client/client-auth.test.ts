// The client's token support (SPEC sections 8 and 12) over both transports,
// and jnhp --token, against a gateway with an ACL file.

import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, ErrorCode, JnhpError } from '../../client/index.js';
import { repoRoot } from '../helpers/repo-root.js';
import { type SpawnedGateway, spawnGateway } from '../helpers/spawn-gateway.js';

const TOKEN = 'tok-client-3b7e1f9a5c2d8e4b';
const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');
const ACL = `user default on nopass ~public/* +read
user writer on #${sha256(TOKEN)} ~app/* ~public/* +read +write
`;

describe('the client with a token', () => {
  let gateway: SpawnedGateway;

  beforeAll(async () => {
    const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'jnhp-client-acl-')), 'acl');
    writeFileSync(file, ACL);
    gateway = await spawnGateway(['--acl-file', file]);
  });
  afterAll(async () => {
    await gateway?.stop();
  });

  const urls = (): [string, string][] => [
    ['jnhp', `jnhp://127.0.0.1:${gateway.tcpPort}`],
    ['ws', `ws://127.0.0.1:${gateway.httpPort}/ws`],
  ];

  it('sends AUTH first with the token option, and acts as the token user', async () => {
    for (const [scheme, url] of urls()) {
      const client = await connect(url, { token: TOKEN });
      expect(await client.store(`app/${scheme}-token`, 'by the writer')).toBe(true);
      await client.close();
    }
  });

  it('auth() answers true for a good token and false for a bad one; without one a write is an ERROR, not RARGH!', async () => {
    for (const [scheme, url] of urls()) {
      const client = await connect(url);
      const denied = await client.store(`app/${scheme}-anonymous`, 'v').catch((err: unknown) => err);
      expect(denied).toBeInstanceOf(JnhpError);
      expect((denied as JnhpError).code).toBe(ErrorCode.ErrorReply);
      expect((denied as JnhpError).message).toMatch(/^permission denied/);
      expect(await client.auth('tok-nobody-has-this')).toBe(false);
      expect(await client.auth(TOKEN)).toBe(true);
      expect(await client.store(`app/${scheme}-anonymous`, 'v')).toBe(true);
      await client.close();
    }
  });

  it('rejects connect() when the token is refused', async () => {
    for (const [, url] of urls()) {
      const refused = await connect(url, { token: 'tok-nobody-has-this' }).catch((err: unknown) => err);
      expect(refused).toBeInstanceOf(JnhpError);
      expect((refused as JnhpError).code).toBe(ErrorCode.AuthRefused);
    }
  });

  it('jnhp --token and JNHP_TOKEN authenticate; without a token a write exits 2', () => {
    const jnhp = path.join(repoRoot(), 'dist', 'client', 'cli', 'jnhp.js');
    const u = ['-u', `jnhp://127.0.0.1:${gateway.tcpPort}`];
    const run = (args: string[], env: NodeJS.ProcessEnv = {}) =>
      spawnSync(process.execPath, [jnhp, ...u, ...args], { encoding: 'utf8', env: { ...process.env, ...env } });
    expect(run(['--token', TOKEN, 'STORE', 'app/cli', 'v'])).toMatchObject({ status: 0, stdout: 'W00T!\n' });
    expect(run(['STORE', 'app/cli-env', 'v'], { JNHP_TOKEN: TOKEN })).toMatchObject({ status: 0, stdout: 'W00T!\n' });
    const anonymous = run(['STORE', 'app/cli-none', 'v'], { JNHP_TOKEN: '' });
    expect(anonymous.status).toBe(2);
    expect(anonymous.stderr).toMatch(/^ERROR permission denied/);
    const bad = run(['--token', 'tok-nobody-has-this', 'PING']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/^jnhp: cannot connect to .*AUTH refused/);
  });
});
