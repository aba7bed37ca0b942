// `jnhp-gateway/client` in Node: jnhp://, jnhps://, ws:// and wss://.

import { WebSocket } from 'ws';
import { type ConnectOptions, connectWith } from './connect.js';
import type { JnhpClient } from './jnhp-client.js';
import { openTcp } from './tcp-transport.js';
import { type WebSocketLike, wsOpener } from './ws-transport.js';

export { ErrorCode, JnhpError } from '../core/errors.js';
export type { ConnectOptions } from './connect.js';
export type { JnhpClient } from './jnhp-client.js';

const openers = {
  tcp: openTcp,
  ws: wsOpener((url, tls) => new WebSocket(url, tls) as unknown as WebSocketLike),
};

/** Opens a connection to a JNHP gateway: `jnhp://host:port`, `jnhps://host:port`, `ws://host:port/ws` or `wss://...`. */
export function connect(url: string, options: ConnectOptions = {}): Promise<JnhpClient> {
  return connectWith(url, options, openers);
}
