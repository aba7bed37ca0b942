import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LineClient } from '../helpers/line-client.js';
import { type SpawnedGateway, spawnGateway } from '../helpers/spawn-gateway.js';
import { hookFailures, logAfter } from '../helpers/validator-fixtures.js';

interface Received {
  readonly url: string;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: Record<string, unknown>;
  /** Which connection it came on: 1 for the server's first, and so on. */
  readonly connection: number;
}

/** A webhook on 127.0.0.1 that answers by the value it is sent. */
function startWebhook(): Promise<{
  server: http.Server;
  port: number;
  received: Received[];
  connections: () => number;
}> {
  const received: Received[] = [];
  let connections = 0;
  const server = http.createServer((req, res) => {
    let text = '';
    req.setEncoding('utf8').on('data', (chunk: string) => {
      text += chunk;
    });
    req.on('end', () => {
      const body = req.method === 'POST' && text !== '' ? (JSON.parse(text) as Record<string, unknown>) : {};
      received.push({ url: req.url ?? '', headers: req.headers, body, connection: connectionIds.get(req.socket) ?? 0 });
      switch (body.value) {
        case 'allow':
          return res.writeHead(204).end();
        case 'allow-200':
          return res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
        case 'allow-big':
          return res.writeHead(200).end('x'.repeat(300_000));
        case 'refuse':
          return res.writeHead(403).end('no');
        case 'refuse-422':
          return res.writeHead(422).end('no');
        case 'error':
          return res.writeHead(500).end('broken');
        case 'redirect':
          return res.writeHead(302, { location: '/elsewhere' }).end();
        case 'crash':
          return req.socket.destroy();
        case 'slow':
          return; // never answers
        default:
          return res.writeHead(400).end();
      }
    });
  });
  const connectionIds = new WeakMap<object, number>();
  server.on('connection', (socket) => {
    connectionIds.set(socket, ++connections);
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      resolve({ server, port: (server.address() as AddressInfo).port, received, connections: () => connections });
    });
  });
}

describe('a webhook validator', () => {
  let gateway: SpawnedGateway;
  let client: LineClient;
  let hook: Awaited<ReturnType<typeof startWebhook>>;
  let name: string;
  beforeAll(async () => {
    hook = await startWebhook();
    name = `http://127.0.0.1:${hook.port}/validate`;
    gateway = await spawnGateway([
      '--validator',
      `http://jnhp:p%40ss@127.0.0.1:${hook.port}/validate?token=hook-secret`,
      '--validator-timeout-ms',
      '500',
    ]);
    client = await LineClient.connect(gateway.tcpPort);
  });
  afterAll(async () => {
    client?.close();
    await gateway?.stop();
    hook?.server.closeAllConnections();
    hook?.server.close();
  });

  it('POSTs the name, value, transport, address and user as JSON', async () => {
    expect(await client.request('STORE h-body allow')).toBe('W00T!');
    const last = hook.received.at(-1);
    expect(last?.body).toEqual({
      name: 'h-body',
      value: 'allow',
      transport: 'tcp',
      remoteAddress: expect.stringContaining('127.0.0.1'),
      user: 'default',
    });
    expect(last?.headers['content-type']).toBe('application/json');
    expect(last?.url).toBe('/validate?token=hook-secret');
  });

  it('sends the credentials of the URL as Basic authentication', () => {
    const auth = hook.received.at(-1)?.headers.authorization ?? '';
    expect(Buffer.from(auth.replace(/^Basic /, ''), 'base64').toString()).toBe('jnhp:p@ss');
  });

  it.each(['allow', 'allow-200', 'allow-big'])(
    'stores on a 2xx, whatever the length of the answer (%s)',
    async (value) => {
      expect(await client.request(`STORE h-${value} ${value}`)).toBe('W00T!');
    },
  );

  it.each(['refuse', 'refuse-422'])('answers RARGH! and logs nothing on 403 and 422 (%s)', async (value) => {
    const before = gateway.logs.length;
    expect(await client.request(`STORE h-${value} ${value}`)).toBe('RARGH!');
    expect(await client.request(`GET h-${value}`)).toBe('');
    expect(hookFailures(gateway, before)).toEqual([]);
  });

  it.each([
    ['error', 'error', 'HTTP 500'],
    ['redirect', 'error', 'HTTP 302 (redirects are not followed)'],
    ['crash', 'error', 'the request failed'],
    ['slow', 'timeout', '500 ms'],
  ])('fails closed and logs the hook without its secrets on %s', async (value, outcome, reason) => {
    const before = gateway.logs.length;
    expect(await client.request(`STORE h-${value} ${value}`)).toBe('RARGH!');
    const log = await logAfter(gateway, before, (l) => typeof l.hook === 'string');
    expect(log).toMatchObject({ hook: `${name}?…`, outcome, level: 'warn' });
    expect(log.reason).toContain(reason);
    expect(JSON.stringify(gateway.logs)).not.toContain('hook-secret');
    expect(JSON.stringify(gateway.logs)).not.toContain('p%40ss');
    expect(await client.request(`GET h-${value}`)).toBe('');
  });

  it('follows no redirect', () => {
    expect(hook.received.some((r) => r.url === '/elsewhere')).toBe(false);
  });

  it('sends many STOREs over one kept-alive connection', async () => {
    // Earlier failures (a crash, a timeout) closed connections: count from here.
    const before = hook.connections();
    const requests = hook.received.length;
    for (let i = 0; i < 20; i++) expect(await client.request(`STORE reuse${i} allow`)).toBe('W00T!');
    const sent = hook.received.slice(requests);
    expect(sent).toHaveLength(20);
    expect(new Set(sent.map((r) => r.connection)).size).toBe(1);
    expect(hook.connections() - before).toBeLessThanOrEqual(1);
  });
});
