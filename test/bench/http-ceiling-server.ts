// The ceilings of the HTTP port: `hono` is a bare hono app on
// @hono/node-server answering every request with a constant; `node` is a
// bare node:http server doing REST's work on a Map (GET, HEAD, PUT of
// /keys/{name}), holding the bench's names from the start; `ws` is a bare `ws` server echoing every message. Usage:
// node http-ceiling-server.js hono|node|ws <reply>; prints its port on stdout.

import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createAdaptorServer } from '@hono/node-server';
import { Hono } from 'hono';
import { WebSocketServer } from 'ws';
import { KEYS, keyName } from './tcp-bench.js';

const kind = process.argv[2];
const reply = process.argv[3] ?? 'PONG';

if (kind === 'hono') {
  const app = new Hono();
  app.all('*', (c) => c.text(reply));
  const server = createAdaptorServer({ fetch: app.fetch });
  server.listen(0, '127.0.0.1', () => {
    process.stdout.write(`${(server.address() as AddressInfo).port}\n`);
  });
} else if (kind === 'node') {
  const names = new Map<string, string>();
  for (let i = 0; i < KEYS; i++) names.set(keyName(i), reply);
  const server = http.createServer((req, res) => {
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
    else res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8' }).end(value);
  });
  server.keepAliveTimeout = 5000;
  server.listen(0, '127.0.0.1', () => {
    process.stdout.write(`${(server.address() as AddressInfo).port}\n`);
  });
} else if (kind === 'ws') {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false }, () => {
    process.stdout.write(`${(wss.address() as AddressInfo).port}\n`);
  });
  wss.on('connection', (ws) => {
    ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));
  });
} else {
  process.stderr.write('usage: http-ceiling-server hono|node|ws [reply]\n');
  process.exit(2);
}
process.on('SIGTERM', () => process.exit(0));
