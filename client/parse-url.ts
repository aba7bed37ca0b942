import type { Target } from './transport.js';

const DEFAULT_TCP_PORT = 8111;
const WS_PATH = '/ws';

/** `jnhp://host:port`, `jnhps://host:port`, `ws://host:port/ws` or `wss://...` to a Target. */
export function parseUrl(url: string): Target {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch (cause) {
    throw new TypeError(`not a URL: '${url}'`, { cause });
  }
  const scheme = parsed.protocol.slice(0, -1);
  const host = parsed.hostname.replace(/^\[(.*)\]$/, '$1');
  if (host === '') throw new TypeError(`no host in '${url}'`);
  if (scheme === 'jnhp' || scheme === 'jnhps') {
    const tls = scheme === 'jnhps';
    if (parsed.port === '' && tls) throw new TypeError(`jnhps:// needs a port: '${url}'`);
    const port = parsed.port === '' ? DEFAULT_TCP_PORT : Number(parsed.port);
    return { kind: 'tcp', tls, host, port, href: parsed.href };
  }
  if (scheme === 'ws' || scheme === 'wss') {
    // `ws://host:8080` means the gateway's line channel, on /ws.
    if (parsed.pathname === '/' || parsed.pathname === '') parsed.pathname = WS_PATH;
    const port = parsed.port === '' ? (scheme === 'wss' ? 443 : 80) : Number(parsed.port);
    return { kind: 'ws', tls: scheme === 'wss', host, port, href: parsed.href };
  }
  throw new TypeError(`unsupported URL scheme '${scheme}:' (use jnhp://, jnhps://, ws:// or wss://)`);
}
