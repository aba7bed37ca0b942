// The ceilings of the HTTP port: `hono` is a bare hono app on
// @hono/node-server answering every request with a constant; `ws` is a bare
// `ws` server echoing every message. Usage: node http-ceiling-server.js
// hono|ws <reply>; prints its port on stdout.

import type { AddressInfo } from 'node:net';
import { createAdaptorServer } from '@hono/node-server';
import { Hono } from 'hono';
import { WebSocketServer } from 'ws';

const kind = process.argv[2];
const reply = process.argv[3] ?? 'PONG';

if (kind === 'hono') {
  const app = new Hono();
  app.all('*', (c) => c.text(reply));
  const server = createAdaptorServer({ fetch: app.fetch });
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
  process.stderr.write('usage: http-ceiling-server hono|ws [reply]\n');
  process.exit(2);
}
process.on('SIGTERM', () => process.exit(0));
