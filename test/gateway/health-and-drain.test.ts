// /metrics counting what every transport does, and SIGTERM: /readyz turns
// 503 at once, no new connections, open work finishes, then exit 0.

import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { RawHttp } from '../helpers/http-raw.js';
import { LineClient } from '../helpers/line-client.js';
import { type SpawnedGateway, spawnGateway } from '../helpers/spawn-gateway.js';
import { WsClient } from '../helpers/ws-client.js';

/** The value of one sample of the Prometheus text, 0 when absent. */
function sample(text: string, series: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? 0 : Number(line.slice(series.length + 1));
}

function refused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host: '127.0.0.1' });
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(true));
  });
}

describe('the gateway process', () => {
  let gateway: SpawnedGateway | undefined;
  afterEach(async () => {
    await gateway?.stop('SIGKILL');
    gateway = undefined;
  });

  it('counts commands by transport, command and outcome, and open connections by transport, in /metrics', async () => {
    gateway = await spawnGateway();
    const metrics = async (): Promise<string> => (await fetch(`http://127.0.0.1:${gateway?.httpPort}/metrics`)).text();
    const before = await metrics();

    const tcp = await LineClient.connect(gateway.tcpPort);
    const ws = await WsClient.connect(gateway.httpPort);
    expect(await tcp.request('STORE m1 v')).toBe('W00T!');
    expect(await tcp.request('GET m1')).toBe('v');
    expect(await tcp.request('FROB')).toMatch(/^ERROR/);
    expect(await ws.request('GET m1')).toBe('v');
    expect(await ws.request('GET m-absent')).toBe('');
    expect(await ws.request('EXISTS m1')).toBe('AWESOME!');
    expect((await fetch(`http://127.0.0.1:${gateway.httpPort}/keys/m2`, { method: 'PUT', body: 'w' })).status).toBe(
      201,
    );
    expect((await fetch(`http://127.0.0.1:${gateway.httpPort}/keys/m1`, { method: 'PUT', body: 'w' })).status).toBe(
      409,
    );
    const after = await metrics();

    const moved = (series: string): number => sample(after, series) - sample(before, series);
    expect(moved('jnhp_commands_total{transport="tcp",command="STORE",outcome="stored"}')).toBe(1);
    expect(moved('jnhp_commands_total{transport="tcp",command="GET",outcome="hit"}')).toBe(1);
    expect(moved('jnhp_commands_total{transport="tcp",command="INVALID",outcome="invalid"}')).toBe(1);
    expect(moved('jnhp_commands_total{transport="ws",command="GET",outcome="hit"}')).toBe(1);
    expect(moved('jnhp_commands_total{transport="ws",command="GET",outcome="miss"}')).toBe(1);
    expect(moved('jnhp_commands_total{transport="ws",command="EXISTS",outcome="present"}')).toBe(1);
    expect(moved('jnhp_commands_total{transport="http",command="STORE",outcome="stored"}')).toBe(1);
    expect(moved('jnhp_commands_total{transport="http",command="STORE",outcome="exists"}')).toBe(1);
    expect(moved('jnhp_command_duration_seconds_count{transport="tcp",command="GET"}')).toBe(1);
    expect(sample(after, 'jnhp_open_connections{transport="tcp"}')).toBe(1);
    expect(sample(after, 'jnhp_open_connections{transport="ws"}')).toBe(1);
    expect(sample(after, 'jnhp_open_connections{transport="http"}')).toBeGreaterThanOrEqual(1);
    expect(after).toContain('process_cpu_seconds_total');
    tcp.close();
    ws.close();
  });

  it('turns /readyz 503 on SIGTERM, refuses new connections, finishes open work, then exits 0', async () => {
    gateway = await spawnGateway();
    const port = gateway.httpPort;
    const keepAlive = await RawHttp.connect(port);
    keepAlive.write('GET /readyz HTTP/1.1\r\nHost: x\r\n\r\n');
    expect((await keepAlive.response()).status).toBe(200);

    // A PUT whose body is still on its way holds the drain open.
    const slowPut = await RawHttp.connect(port);
    slowPut.write('PUT /keys/late HTTP/1.1\r\nHost: x\r\nContent-Length: 6\r\n\r\nhal');
    const ws = await WsClient.connect(port);
    const tcp = await LineClient.connect(gateway.tcpPort);
    expect(await ws.request('PING')).toBe('PONG');
    expect(await tcp.request('PING')).toBe('PONG');

    const exited = gateway.stop('SIGTERM');
    await gateway.waitForLog((l) => l.msg === 'draining');

    keepAlive.write('GET /readyz HTTP/1.1\r\nHost: x\r\n\r\n');
    const notReady = await keepAlive.response();
    expect(notReady.status).toBe(503);
    expect(notReady.headers.connection).toBe('close');
    expect(JSON.parse(notReady.body)).toMatchObject({ status: 503, type: 'urn:jnhp:problem:not_ready' });
    await keepAlive.waitClosed();

    expect(await refused(port)).toBe(true);
    expect(await refused(gateway.tcpPort)).toBe(true);
    expect(await ws.waitClosed()).toBe(1001);
    await tcp.waitClosed();

    slowPut.write('f!!');
    const late = await slowPut.response();
    expect(late.status).toBe(201);
    expect(await exited).toBe(0);
  });

  it('answers a request that arrives on a connection accepted just before SIGTERM', async () => {
    gateway = await spawnGateway();
    const justAccepted = await RawHttp.connect(gateway.httpPort);
    const exited = gateway.stop('SIGTERM');
    await gateway.waitForLog((l) => l.msg === 'draining');
    justAccepted.write('PUT /keys/just-in-time HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\n\r\nv');
    const res = await justAccepted.response();
    expect(res.status).toBe(201);
    expect(res.headers.connection).toBe('close');
    expect(await exited).toBe(0);
  });
});
