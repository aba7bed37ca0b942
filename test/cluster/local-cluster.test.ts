// The docker-compose topology as local processes (deploy/cluster): clients
// of every transport go through HAProxy, reach different gateways and see
// one store.

import { afterAll, beforeAll, expect, it } from 'vitest';
import WebSocket from 'ws';
import { type LocalCluster, startLocalCluster } from '../../deploy/cluster/local-cluster.js';
import { LineClient } from '../helpers/line-client.js';
import { describeWithTools } from '../helpers/require-tools.js';

const GATEWAYS = 3;

/** One value of a metric on one gateway, read from its own /metrics. */
async function metric(cluster: LocalCluster, i: number, pattern: RegExp): Promise<number> {
  const text = await (await fetch(`http://${cluster.gatewayHost(i)}:${cluster.gatewayHttpPort}/metrics`)).text();
  let sum = 0;
  for (const line of text.split('\n')) {
    const m = pattern.exec(line);
    if (m) sum += Number(m[1]);
  }
  return sum;
}

function openWebSocket(url: string): Promise<{ ws: WebSocket; request: (line: string) => Promise<string> }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    const waiting: ((reply: string) => void)[] = [];
    ws.on('message', (data) => waiting.shift()?.(String(data)));
    ws.once('error', reject);
    ws.once('open', () =>
      resolve({
        ws,
        request: (line) =>
          new Promise((done) => {
            waiting.push(done);
            ws.send(line);
          }),
      }),
    );
  });
}

describeWithTools(['redis-server', 'haproxy'], 'the local cluster behind HAProxy', () => {
  let cluster: LocalCluster;

  beforeAll(async () => {
    cluster = await startLocalCluster({ gateways: GATEWAYS });
  }, 60_000);

  afterAll(async () => {
    await cluster?.stop();
  });

  it('spreads TCP, WebSocket and REST clients over the gateways, which share one store', async () => {
    const tcp = await Promise.all(Array.from({ length: 6 }, () => LineClient.connect(cluster.tcpPort)));
    const sockets = await Promise.all(
      Array.from({ length: 6 }, () => openWebSocket(`ws://127.0.0.1:${cluster.httpPort}/ws`)),
    );
    try {
      expect(await (tcp[0] as LineClient).request('STORE spread-tcp from-tcp')).toBe('W00T!');
      expect(await sockets[0]?.request('STORE spread-ws from-ws')).toBe('W00T!');
      const put = await fetch(`http://127.0.0.1:${cluster.httpPort}/keys/spread-rest`, {
        method: 'PUT',
        body: 'from-rest',
      });
      expect(put.status).toBe(201);
      for (const client of tcp) {
        expect(await client.request('GET spread-ws')).toBe('from-ws');
        expect(await client.request('GET spread-rest')).toBe('from-rest');
      }
      for (const socket of sockets) expect(await socket.request('GET spread-tcp')).toBe('from-tcp');
      for (let i = 0; i < 12; i++) {
        const get = await fetch(`http://127.0.0.1:${cluster.httpPort}/keys/spread-tcp`);
        expect(await get.text()).toBe('from-tcp');
      }

      const perGateway = await Promise.all(
        Array.from({ length: GATEWAYS }, async (_, i) => ({
          tcp: await metric(cluster, i, /^jnhp_open_connections\{transport="tcp"\} (\d+)/),
          ws: await metric(cluster, i, /^jnhp_open_connections\{transport="ws"\} (\d+)/),
          rest: await metric(cluster, i, /^jnhp_commands_total\{transport="http",[^}]*\} (\d+)/),
        })),
      );
      expect(perGateway.filter((g) => g.tcp > 0).length).toBeGreaterThanOrEqual(2);
      expect(perGateway.filter((g) => g.ws > 0).length).toBeGreaterThanOrEqual(2);
      expect(perGateway.filter((g) => g.rest > 0).length).toBeGreaterThanOrEqual(2);
    } finally {
      for (const client of tcp) client.close();
      for (const socket of sockets) socket.ws.terminate();
    }
  });

  it('gives exactly one W00T! per name when 50 connections through HAProxy race on 200 names', async () => {
    const names = Array.from({ length: 200 }, (_, i) => `race-${i}`);
    const clients = await Promise.all(Array.from({ length: 50 }, () => LineClient.connect(cluster.tcpPort)));
    try {
      const replies = await Promise.all(
        clients.map(async (client, c) => {
          client.send(names.map((name) => `STORE ${name} client-${c}\r\n`).join(''));
          return client.readLines(names.length, 20_000);
        }),
      );
      const winners = names.map((_, n) => replies.flatMap((r, c) => (r[n] === 'W00T!' ? [c] : [])));
      for (const w of winners) expect(w).toHaveLength(1);
      for (const r of replies) for (const line of r) expect(['W00T!', 'RARGH!']).toContain(line);
      for (let i = 0; i < GATEWAYS; i++) {
        const direct = await LineClient.connect(cluster.gatewayTcpPort, cluster.gatewayHost(i));
        direct.send(names.map((name) => `GET ${name}\r\n`).join(''));
        const values = await direct.readLines(names.length);
        direct.close();
        expect(values).toEqual(winners.map((w) => `client-${w[0]}`));
      }
    } finally {
      for (const client of clients) client.close();
    }
  });
});
