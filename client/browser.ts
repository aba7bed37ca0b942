// `jnhp-gateway/client` in browsers, and the gateway's /client.js: ws:// and
// wss:// over the browser's own WebSocket. No Node module is reachable from here.

import { type ConnectOptions, connectWith } from './connect.js';
import type { JnhpClient } from './jnhp-client.js';
import { type WebSocketConstructor, wsOpener } from './ws-transport.js';

export { ErrorCode, JnhpError } from '../core/errors.js';
export type { ConnectOptions } from './connect.js';
export type { JnhpClient } from './jnhp-client.js';

/** Opens a connection to a JNHP gateway: `ws://host:port/ws` or `wss://...`. */
export function connect(url: string, options: ConnectOptions = {}): Promise<JnhpClient> {
  const WebSocketClass = (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
  if (WebSocketClass === undefined) return Promise.reject(new TypeError('no WebSocket in this environment'));
  return connectWith(url, options, { tcp: null, ws: wsOpener((href) => new WebSocketClass(href)) });
}
