// connect(), given how to open each kind of URL: the Node and browser entries
// differ only in that.

import { ErrorCode, JnhpError } from '../core/errors.js';
import { JnhpClient } from './jnhp-client.js';
import { parseUrl } from './parse-url.js';
import type { OpenTransport } from './transport.js';

export interface ConnectOptions {
  /** Sent as `AUTH <token>` before connect() resolves; a refused token rejects. */
  readonly token?: string;
  /** How long a command (and opening the connection) may wait for its reply; default 5000. */
  readonly timeoutMs?: number;
  /** Node only, for `jnhps://`: options for `tls.connect` (a private `ca`, ...). */
  readonly tls?: Record<string, unknown>;
}

export const DEFAULT_TIMEOUT_MS = 5000;

export interface Openers {
  readonly tcp: OpenTransport | null;
  readonly ws: OpenTransport;
}

export async function connectWith(url: string, options: ConnectOptions, openers: Openers): Promise<JnhpClient> {
  const target = parseUrl(url);
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const open = target.kind === 'ws' ? openers.ws : openers.tcp;
  if (open === null) throw new TypeError(`${url}: raw TCP needs Node; in a browser use ws:// or wss://`);
  const client = new JnhpClient(timeoutMs);
  const transport = await open(target, client, { timeoutMs, tls: options.tls });
  client.attach(transport);
  if (options.token !== undefined) {
    let accepted: boolean;
    try {
      accepted = await client.auth(options.token);
    } catch (err) {
      client.destroy();
      throw err;
    }
    if (!accepted) {
      client.destroy();
      throw new JnhpError(ErrorCode.AuthRefused, 'AUTH refused: unknown token or disabled user');
    }
  }
  return client;
}
