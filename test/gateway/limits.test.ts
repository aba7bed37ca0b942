// SPEC section 7 beyond memory: the budget of all clients together, idle
// connections, the open-file limit, a second signal while draining,
// `Expect: 100-continue` over the limit, and a Redis that refuses writes.

import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { RawHttp } from '../helpers/http-raw.js';
import { LineClient } from '../helpers/line-client.js';
import { spawnRedisGateway } from '../helpers/redis-gateway.js';
import { describeWithRedis, type RedisServer, startRedisServer } from '../helpers/redis-server.js';
import { type SpawnedGateway, spawnGateway } from '../helpers/spawn-gateway.js';
import { fixture } from '../helpers/validator-fixtures.js';
import { WsClient } from '../helpers/ws-client.js';

const MiB = 1024 * 1024;

let gateway: SpawnedGateway | undefined;
const clients: { close(): void }[] = [];

afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  await gateway?.stop('SIGKILL');
  gateway = undefined;
});

async function line(port: number): Promise<LineClient> {
  const client = await LineClient.connect(port);
  clients.push(client);
  return client;
}

describe('--max-client-memory', () => {
  it('closes the connection holding the most once all clients together hold more, and logs it', async () => {
    gateway = await spawnGateway(['--max-client-memory', '1m']);
    const control = await line(gateway.tcpPort);
    const value = 'v'.repeat(60_000);
    expect(await control.request(`STORE big ${value}`)).toBe('W00T!');

    // A small holder: an unfinished line of 40 kB.
    const small = await line(gateway.tcpPort);
    small.send(`STORE partial ${'p'.repeat(40_000)}`);
    // A large holder: replies it never reads, past the 1 MiB of unsent replies one connection may have.
    const large = await line(gateway.tcpPort);
    large.socket.pause();
    large.send('GET big\r\n'.repeat(400));

    const evicted = await gateway.waitForLog((l) => typeof l.msg === 'string' && l.msg.includes('--max-client-memory'));
    expect(evicted.level).toBe('warn');
    expect(evicted.transport).toBe('tcp');
    expect(evicted.heldBytes).toBeGreaterThan(MiB);
    large.socket.resume();
    await large.waitClosed(10_000);

    // The small holder and the others go on.
    small.send('\r\n');
    expect(await small.readLine()).toBe('W00T!');
    expect(await control.request('GET partial')).toBe('p'.repeat(40_000));
    expect(gateway.logs.filter((l) => typeof l.msg === 'string' && l.msg.includes('--max-client-memory'))).toHaveLength(
      1,
    );
  });

  it('refuses a size it cannot read, with one line and exit code 2', async () => {
    await expect(spawnGateway(['--max-client-memory', '12q'])).rejects.toThrow(/--max-client-memory.*12q/);
  });
});

describe('--idle-timeout-ms', () => {
  it('closes TCP and WebSocket clients that send nothing, and keeps those that do', async () => {
    gateway = await spawnGateway(['--idle-timeout-ms', '300']);
    const idleTcp = await line(gateway.tcpPort);
    const idleWs = await WsClient.connect(gateway.httpPort);
    clients.push(idleWs);
    const busy = await line(gateway.tcpPort);
    let answered = 0;
    while (!(idleTcp.closed && idleWs.closeCode !== null)) {
      expect(await busy.request('PING')).toBe('PONG');
      answered++;
    }
    expect(answered).toBeGreaterThan(0);
    expect(idleWs.closeCode).toBe(1000);
    expect(busy.closed).toBe(false);
    expect(await busy.request('PING')).toBe('PONG');
  });
});

describe('the open-file limit', () => {
  it('warns at startup when the limit is below what --max-connections needs', async () => {
    gateway = await spawnGateway(['--max-connections', '10000'], { launcher: ['prlimit', '--nofile=512:512'] });
    const warning = await gateway.waitForLog((l) => l.msg?.toString().includes('open-file limit') === true);
    expect(warning).toMatchObject({ level: 'warn', openFileLimit: 512, maxConnections: 10000 });
  });

  it('says when connections are refused for lack of descriptors, and goes on', async () => {
    gateway = await spawnGateway(['--max-connections', '1000'], { launcher: ['prlimit', '--nofile=100:100'] });
    const sockets: net.Socket[] = [];
    for (let i = 0; i < 120; i++) {
      const socket = net.connect({ port: gateway.tcpPort, host: '127.0.0.1' });
      socket.on('error', () => {});
      sockets.push(socket);
    }
    clients.push({ close: () => sockets.forEach((s) => void s.destroy()) });
    await gateway.waitForLog((l) => l.msg?.toString().includes('new connections are refused') === true);
    for (const s of sockets) s.destroy();
    // Once descriptors are free again, new clients are served.
    await expect
      .poll(
        async () => {
          try {
            const client = await LineClient.connect((gateway as SpawnedGateway).tcpPort);
            clients.push(client);
            return await client.request('PING', 2000);
          } catch {
            return 'refused';
          }
        },
        { timeout: 10_000, interval: 100 },
      )
      .toBe('PONG');
    expect(gateway.child.exitCode).toBeNull();
  });
});

describe('signals while draining', () => {
  it.each(['SIGTERM', 'SIGINT'] as const)(
    'logs a second %s and still ends the drain with exit code 0',
    async (signal) => {
      const hook = `module:${fixture('decide-module.cjs')}#check`;
      gateway = await spawnGateway(['--validator', hook, '--validator-timeout-ms', '1500']);
      const client = await line(gateway.tcpPort);
      // A STORE whose hook never answers: the drain waits for its timeout. Sent
      // with a PING in one write, it is running once the PONG comes.
      client.send('PING\r\nSTORE held slow\r\n');
      expect(await client.readLine()).toBe('PONG');
      const exited = gateway.stop(signal);
      await gateway.waitForLog((l) => l.msg === 'draining');
      gateway.child.kill(signal);
      const second = await gateway.waitForLog((l) => l.msg?.toString().includes('while draining') === true);
      expect(second).toMatchObject({ level: 'warn', signal });
      expect(await client.readLine()).toBe('RARGH!');
      expect(await exited).toBe(0);
      expect(gateway.child.signalCode).toBeNull();
    },
  );
});

describe('Expect: 100-continue', () => {
  it('answers 413 at once to a body declared over the limit, never 100 Continue', async () => {
    gateway = await spawnGateway(['--max-line-bytes', '1000']);
    const http = await RawHttp.connect(gateway.httpPort);
    clients.push(http);
    http.write(
      'PUT /keys/big HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/plain\r\nContent-Length: 5000\r\nExpect: 100-continue\r\n\r\n',
    );
    const response = await http.response();
    expect(response.status).toBe(413);
    expect(response.headers['content-type']).toContain('application/problem+json');
  });

  it('invites a body within the limit with 100 Continue and stores it', async () => {
    gateway = await spawnGateway(['--max-line-bytes', '1000']);
    const http = await RawHttp.connect(gateway.httpPort);
    clients.push(http);
    http.write(
      'PUT /keys/small HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/plain\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n',
    );
    expect((await http.response()).status).toBe(100);
    http.write('hello');
    expect((await http.response()).status).toBe(201);
  });
});

describeWithRedis('a Redis that refuses writes', () => {
  let redis: RedisServer | undefined;
  afterEach(async () => {
    await redis?.stop();
    redis = undefined;
  });

  it('answers STOREs storage unavailable and logs a warning with the Redis error code', async () => {
    redis = await startRedisServer({ args: ['--maxmemory', '2mb', '--maxmemory-policy', 'noeviction'] });
    gateway = await spawnRedisGateway(redis);
    const client = await line(gateway.tcpPort);
    const value = 'v'.repeat(50_000);
    let reply = '';
    for (let i = 0; i < 200 && !reply.startsWith('ERROR'); i++) reply = await client.request(`STORE oom-${i} ${value}`);
    expect(reply).toMatch(/^ERROR storage unavailable/);
    const warning = await gateway.waitForLog((l) => l.msg?.toString().includes('refuses writes') === true);
    expect(warning).toMatchObject({ level: 'warn', code: 'OOM' });
    // Reads go on.
    expect(await client.request('GET oom-0')).toBe(value);
  });
});
