// A webhook validator for JNHP, as a small Node HTTP server. The gateway
// POSTs {"name","value","transport","remoteAddress","user"} for every STORE of a new
// name: 204 allows, 403 refuses; anything else (400 for a bad request) is an
// error, and the STORE fails closed.
//
// Rules: a value holding a word of DENY_WORDS (comma-separated) is refused,
// and names under `local.` may only be stored by clients on this machine.
//
//   PORT=9000 DENY_WORDS=spam,scam node dist/deploy/validators/webhook-server.js
//   jnhp-gateway --validator http://127.0.0.1:9000/validate

import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

interface StoreRequest {
  readonly name: string;
  readonly value: string;
  readonly transport: string;
  readonly remoteAddress: string;
}

/** Requests are the gateway's JSON: a value is at most --max-line-bytes. Past this, 400. */
const MAX_BODY_CHARS = 1024 * 1024;
const LOOPBACK = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);

export function allows(request: StoreRequest, denyWords: readonly string[]): boolean {
  const value = request.value.toLowerCase();
  if (denyWords.some((word) => value.includes(word))) return false;
  if (request.name.startsWith('local.') && !LOOPBACK.has(request.remoteAddress)) return false;
  return true;
}

function parse(body: string): StoreRequest | null {
  try {
    const data = JSON.parse(body) as Partial<StoreRequest>;
    const { name, value, transport, remoteAddress } = data;
    const valid =
      typeof name === 'string' &&
      typeof value === 'string' &&
      typeof transport === 'string' &&
      typeof remoteAddress === 'string';
    return valid ? (data as StoreRequest) : null;
  } catch {
    return null;
  }
}

export function createWebhookServer(denyWords: readonly string[]): http.Server {
  return http.createServer((req, res) => {
    if (req.url !== '/validate') {
      res.writeHead(404).end();
      return;
    }
    if (req.method !== 'POST') {
      res.writeHead(405, { allow: 'POST' }).end();
      return;
    }
    // Read as text as it comes: a request is a chunk or two, not worth collecting Buffers for.
    let body = '';
    req.setEncoding('utf8').on('data', (chunk: string) => {
      if (body.length <= MAX_BODY_CHARS) body += chunk;
    });
    req.on('end', () => {
      const request = body.length <= MAX_BODY_CHARS ? parse(body) : null;
      if (request === null) {
        res.writeHead(400).end('expected JSON {"name","value","transport","remoteAddress"}');
        return;
      }
      res.writeHead(allows(request, denyWords) ? 204 : 403).end();
    });
  });
}

// Started as a program (not imported): listen.
if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const port = Number(process.env.PORT ?? 9000);
  const host = process.env.HOST ?? '127.0.0.1';
  const denyWords = (process.env.DENY_WORDS ?? '')
    .split(',')
    .map((w) => w.trim().toLowerCase())
    .filter((w) => w !== '');
  const server = createWebhookServer(denyWords);
  server.listen(port, host, () => {
    const address = server.address();
    const actual = typeof address === 'object' && address !== null ? address.port : port;
    console.log(JSON.stringify({ msg: 'listening', url: `http://${host}:${actual}/validate` }));
  });
  const stop = (): void => {
    server.close();
    server.closeIdleConnections();
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}
