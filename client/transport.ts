// What the client needs from a connection, TCP or WebSocket: the same split as
// nats.js (one protocol handler, a transport plugged under it).

/** What a transport tells the client. */
export interface TransportEvents {
  /** One reply line, without its line end. */
  receive(line: string): void;
  /** The connection ended; `error` says why when it was not a clean close. */
  disconnected(error?: Error): void;
}

export interface Transport {
  /** The most characters one `send` may carry (a WebSocket message is capped by the server's line limit). */
  readonly maxBatchChars: number;
  /** Sends command lines joined by LF, without a final line end. */
  send(lines: string): void;
  /** Ends the connection at once; `disconnected` follows. */
  destroy(): void;
}

/** Opens a transport to a parsed URL. */
export type OpenTransport = (target: Target, events: TransportEvents, options: TransportOptions) => Promise<Transport>;

/** Where to connect, from the URL. */
export interface Target {
  readonly kind: 'tcp' | 'ws';
  readonly tls: boolean;
  readonly host: string;
  readonly port: number;
  /** The URL to open, for WebSocket. */
  readonly href: string;
}

export interface TransportOptions {
  /** Node only, for `jnhps://`: options for `tls.connect` (a private CA, ...). */
  readonly tls?: Record<string, unknown>;
  /** How long opening the connection may take. */
  readonly timeoutMs: number;
}
