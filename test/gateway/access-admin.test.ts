// Running an ACL: a file that does not parse, SIGHUP, `jnhp-gateway token`,
// metrics, tokens kept out of the logs; and binary garbage on the TCP port.

import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AclFile, hash, STANDARD_ACL, TOKENS } from '../helpers/acl-file.js';
import { LineClient } from '../helpers/line-client.js';
import { runCli } from '../helpers/run-cli.js';
import { type SpawnedGateway, spawnGateway } from '../helpers/spawn-gateway.js';
import { WsClient } from '../helpers/ws-client.js';

describe('an ACL file that does not parse', () => {
  it('stops startup with exit code 2 and one line naming the file and line', async () => {
    const acl = new AclFile('# users\nuser default on nopass ~* +read\nuser app on #1234 +write\n');
    const run = await runCli(['--tcp-port', '0', '--http-port', '0', '--acl-file', acl.path]);
    expect(run.code).toBe(2);
    const lines = run.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(`${acl.path}:3:`);
    expect(run.stdout).not.toContain('listening');
  });

  it('stops startup with exit code 2 when the file cannot be read', async () => {
    const run = await runCli(['--tcp-port', '0', '--http-port', '0', '--acl-file', '/nonexistent/acl']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('/nonexistent/acl');
  });
});

describe('jnhp-gateway token', () => {
  it('prints a new token and the #<sha256> that lets it in', async () => {
    const runs = await Promise.all([runCli(['token']), runCli(['token'])]);
    const tokens = runs.map((run) => {
      expect(run.code).toBe(0);
      const token = /^token: (\S+)$/m.exec(run.stdout)?.[1] as string;
      const acl = /^acl: +(#[0-9a-f]{64})$/m.exec(run.stdout)?.[1];
      expect(acl).toBe(`#${createHash('sha256').update(token).digest('hex')}`);
      return token;
    });
    expect(tokens[0]).not.toBe(tokens[1]);
  });
});

describe('a running ACL', () => {
  let gateway: SpawnedGateway;
  let acl: AclFile;

  beforeAll(async () => {
    acl = new AclFile(STANDARD_ACL);
    gateway = await spawnGateway(['--acl-file', acl.path, '--log-level', 'debug']);
  });
  afterAll(async () => {
    await gateway?.stop();
  });

  const reloads = (): number => gateway.logs.filter((l) => String(l.msg).startsWith('ACL ')).length;

  async function sighup(): Promise<Record<string, unknown>> {
    const before = reloads();
    gateway.child.kill('SIGHUP');
    await gateway.waitForLog(() => reloads() > before);
    return gateway.logs.filter((l) => String(l.msg).startsWith('ACL ')).at(-1) as Record<string, unknown>;
  }

  it('re-reads the file on SIGHUP without dropping connections', async () => {
    const run = await runCli(['token']);
    const token = /^token: (\S+)$/m.exec(run.stdout)?.[1] as string;
    const acl2 = /^acl: +(#\S+)$/m.exec(run.stdout)?.[1] as string;
    const client = await LineClient.connect(gateway.tcpPort);
    expect(await client.request(`AUTH ${TOKENS.app}`)).toBe('W00T!');
    expect(await client.request(`AUTH ${token}`)).toBe('RARGH!');

    acl.write(`${STANDARD_ACL}user late on ${acl2} ~late/* +read +write\n`);
    expect(await sighup()).toMatchObject({ msg: 'ACL reloaded', level: 'info', users: 5 });
    expect(await client.request(`AUTH ${token}`)).toBe('W00T!');
    expect(await client.request('STORE late/a v')).toBe('W00T!');
    client.close();
  });

  it('keeps the rules in force and logs an error when the new file does not parse', async () => {
    const client = await LineClient.connect(gateway.tcpPort);
    acl.write(`user default on nopass ~* +read +write\nuser broken on ${TOKENS.app}\n`);
    const log = await sighup();
    expect(log).toMatchObject({ level: 'error', file: acl.path, line: 2 });
    expect(await client.request('STORE anything v')).toMatch(/^ERROR permission denied/);
    expect(await client.request(`AUTH ${TOKENS.app}`)).toBe('W00T!');
    client.close();
    acl.write(STANDARD_ACL);
  });

  it('applies a reload to REST at once, on open keep-alive connections too', async () => {
    const url = `http://127.0.0.1:${gateway.httpPort}/keys/app/reload`;
    const headers = { Authorization: `Bearer ${TOKENS.app}` };
    expect((await fetch(url, { headers })).status).toBe(404);
    acl.write(STANDARD_ACL.replace('user app     on', 'user app     off'));
    await sighup();
    expect((await fetch(url, { headers })).status).toBe(401);
    acl.write(STANDARD_ACL);
    await sighup();
    expect((await fetch(url, { headers })).status).toBe(404);
  });

  it('counts auth failures and denied commands in /metrics', async () => {
    const client = await LineClient.connect(gateway.tcpPort);
    expect(await client.request('AUTH nope')).toBe('RARGH!');
    expect(await client.request('GET secret')).toMatch(/^ERROR permission denied/);
    client.close();
    await fetch(`http://127.0.0.1:${gateway.httpPort}/keys/x`, { headers: { Authorization: 'Bearer nope' } });
    const text = await (await fetch(`http://127.0.0.1:${gateway.httpPort}/metrics`)).text();
    expect(text).toMatch(/^jnhp_auth_failures_total\{transport="tcp"\} [1-9]/m);
    expect(text).toMatch(/^jnhp_auth_failures_total\{transport="http"\} [1-9]/m);
    expect(text).toMatch(/^jnhp_commands_total\{transport="tcp",command="GET",outcome="denied"\} [1-9]/m);
  });

  it('writes no token to any log line', async () => {
    const secrets = Object.values(TOKENS);
    // Every way a token reaches the gateway, good and bad.
    for (const token of secrets) {
      const client = await LineClient.connect(gateway.tcpPort);
      await client.request(`AUTH ${token}`);
      await client.request(`AUTH ${token} extra`);
      client.close();
      await fetch(`http://127.0.0.1:${gateway.httpPort}/keys/secret`, {
        headers: { Authorization: `Bearer ${token}` },
      });
      await WsClient.connect(gateway.httpPort, { headers: { Authorization: `Bearer ${token}` } }).then(
        (ws) => ws.close(),
        () => {},
      );
    }
    acl.write(`user a on >${TOKENS.app}\n`);
    await sighup();
    acl.write(STANDARD_ACL);
    await sighup();
    const logged = JSON.stringify(gateway.logs);
    for (const token of secrets) expect(logged).not.toContain(token);
    expect(logged).not.toContain(hash(TOKENS.app).slice(1));
  });
});

describe('binary garbage on the TCP port', () => {
  it('gets only ERROR lines, and the connection goes on: PING answers PONG', async () => {
    const gateway = await spawnGateway();
    try {
      // 1 MB of random bytes without ASCII letters (none of it can be a command word or an HTTP header).
      const garbage = Buffer.alloc(1024 * 1024);
      let seed = 12345;
      for (let i = 0; i < garbage.length; i++) {
        seed = (seed * 1103515245 + 12345) & 0x7fffffff;
        let b = seed >> 16;
        b &= 0xff;
        if ((b | 0x20) >= 0x61 && (b | 0x20) <= 0x7a) b = 0x21;
        garbage[i] = b;
      }
      const client = await LineClient.connect(gateway.tcpPort);
      client.send(garbage);
      client.send('\nPING\r\n');
      const replies: string[] = [];
      while (replies.at(-1) !== 'PONG') replies.push(await client.readLine(20_000));
      expect(replies.length).toBeGreaterThan(100);
      expect(replies.slice(0, -1).every((r) => r.startsWith('ERROR '))).toBe(true);
      expect(client.closed).toBe(false);
      client.close();
    } finally {
      await gateway.stop();
    }
  });
});
