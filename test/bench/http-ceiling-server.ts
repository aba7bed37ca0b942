// The ceilings of the HTTP port: `node` is a bare node:http server doing
// REST's work on a Map (GET, HEAD, PUT of /keys/{name}), holding the bench's
// names from the start; `hono` is a bare hono app on @hono/node-server doing
// the same work with Responses; `hono-direct` is hono routing to the node
// handler itself, answering on Node's response and returning
// RESPONSE_ALREADY_SENT (node-server's documented direct response); `ws` is a
// bare `ws` server echoing every message. Usage:
// node http-ceiling-server.js node|hono|hono-direct|ws <reply>; prints its port on stdout.

import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createAdaptorServer, type HttpBindings } from '@hono/node-server';
import { RESPONSE_ALREADY_SENT } from '@hono/node-server/utils/response';
import { Hono } from 'hono';
import { WebSocketServer } from 'ws';
import { KEYS, keyName } from './tcp-bench.js';

const kind = process.argv[2];
const reply = process.argv[3] ?? 'PONG';

const names = new Map<string, string>();
for (let i = 0; i < KEYS; i++) names.set(keyName(i), reply);
const TEXT = { 'Content-Type': 'text/plain; charset=utf-8' };

/** The node:http ceiling's work: GET and PUT of /keys/{name} on the Map. */
function serveKeys(req: http.IncomingMessage, res: http.ServerResponse): void {
  const url = req.url ?? '';
  if (!url.startsWith('/keys/')) {
    res.writeHead(404).end();
    return;
  }
  const name = decodeURIComponent(url.slice('/keys/'.length));
  if (req.method === 'PUT') {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      if (names.has(name)) {
        res.writeHead(409, { 'Content-Type': 'text/plain' }).end('exists');
        return;
      }
      names.set(name, Buffer.concat(chunks).toString('utf8'));
      res.writeHead(201, { Location: url, 'Content-Length': 0 }).end();
    });
    return;
  }
  const value = names.get(name);
  if (value === undefined) res.writeHead(404, { 'Content-Type': 'text/plain' }).end('absent');
  else res.writeHead(200, TEXT).end(value);
}

const listening = (server: http.Server) => () => {
  process.stdout.write(`${(server.address() as AddressInfo).port}\n`);
};

if (kind === 'hono') {
  // The node:http server's work below, the way a hono app does it at best: Node's request read
  // through c.env (HttpBindings), plain Responses the adapter writes on its fast path.
  const app = new Hono<{ Bindings: HttpBindings }>();
  app.all('/keys/*', (c) => {
    const incoming = c.env.incoming;
    const url = incoming.url ?? '';
    const name = decodeURIComponent(url.slice('/keys/'.length));
    if (incoming.method === 'PUT') {
      return new Promise<Response>((resolve) => {
        const chunks: Buffer[] = [];
        incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
        incoming.on('end', () => {
          if (names.has(name)) {
            resolve(new Response('exists', { status: 409, headers: { 'Content-Type': 'text/plain' } }));
            return;
          }
          names.set(name, Buffer.concat(chunks).toString('utf8'));
          resolve(new Response('', { status: 201, headers: { Location: url } }));
        });
      });
    }
    const value = names.get(name);
    if (value === undefined) return new Response('absent', { status: 404, headers: { 'Content-Type': 'text/plain' } });
    return new Response(value, { headers: TEXT });
  });
  app.notFound(() => new Response(null, { status: 404 }));
  const server = createAdaptorServer({ fetch: app.fetch, autoCleanupIncoming: false }) as http.Server;
  server.listen(0, '127.0.0.1', listening(server));
} else if (kind === 'hono-direct') {
  const app = new Hono<{ Bindings: HttpBindings }>();
  app.all('/keys/*', (c) => {
    serveKeys(c.env.incoming, c.env.outgoing);
    return RESPONSE_ALREADY_SENT;
  });
  app.notFound(() => new Response(null, { status: 404 }));
  const server = createAdaptorServer({ fetch: app.fetch, autoCleanupIncoming: false }) as http.Server;
  server.listen(0, '127.0.0.1', listening(server));
} else if (kind === 'node') {
  const server = http.createServer(serveKeys);
  server.keepAliveTimeout = 5000;
  server.listen(0, '127.0.0.1', listening(server));
} else if (kind === 'ws') {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false }, () => {
    process.stdout.write(`${(wss.address() as AddressInfo).port}\n`);
  });
  wss.on('connection', (ws) => {
    ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));
  });
} else {
  process.stderr.write('usage: http-ceiling-server node|hono|hono-direct|ws [reply]\n');
  process.exit(2);
}
process.on('SIGTERM', () => process.exit(0));
