// JNHP over TLS (--tls-port): the TCP adapter's own connection handler behind
// a node:tls listener, so limits, drain and metrics are those of plain TCP.

import tls from 'node:tls';
import type { Engine } from '../../core/engine.js';
import { type SecureOptions, TLS_HANDSHAKE_TIMEOUT_MS } from '../tls/tls-pair.js';
import { TCP_SOCKET_OPTIONS, type TcpServerOptions, tcpConnectionHandler } from './tcp-server.js';

export function createTlsServer(engine: Engine, options: TcpServerOptions, secure: SecureOptions): tls.Server {
  const server = tls.createServer(
    { ...TCP_SOCKET_OPTIONS, ...secure, handshakeTimeout: TLS_HANDSHAKE_TIMEOUT_MS },
    tcpConnectionHandler(engine, options),
  );
  server.on('tlsClientError', (err) =>
    options.logger.debug({ err: err.message, transport: 'tcp', tls: true }, 'TLS handshake failed'),
  );
  return server;
}
