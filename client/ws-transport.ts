// JNHP over a WebSocket, with the browser's WebSocket API (the `ws` package
// offers the same one in Node): a batch of commands is one text message, each
// reply its own message.

import type { OpenTransport, Transport } from './transport.js';

/** The part of the standard WebSocket this client uses. */
export interface WebSocketLike {
  readonly readyState: number;
  onopen: ((event: unknown) => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
  onerror: ((event: unknown) => void) | null;
  onclose: ((event: { code: number; reason: string }) => void) | null;
  send(data: string): void;
  close(code?: number): void;
}
export type WebSocketConstructor = new (url: string) => WebSocketLike;
/** Opens a WebSocket; in Node, `tls` carries the options for `wss://` (a private `ca`, ...). */
export type OpenWebSocket = (url: string, tls: Record<string, unknown> | undefined) => WebSocketLike;

/**
 * A batch is one message, and the server caps a message at --max-line-bytes
 * + 2: 1024 characters (at most 3 KiB of UTF-8) stays under any gateway
 * whose limit is 3 KiB or more. A longer line goes alone.
 */
const MAX_BATCH_CHARS = 1024;
const NORMAL_CLOSURE = 1000;

export function wsOpener(openWebSocket: OpenWebSocket): OpenTransport {
  return (target, events, options) =>
    new Promise((resolve, reject) => {
      const ws = openWebSocket(target.href, options.tls);
      let open = false;
      const timer = setTimeout(() => {
        ws.close();
        reject(new Error(`connecting took longer than ${options.timeoutMs} ms`));
      }, options.timeoutMs);
      const transport: Transport = {
        maxBatchChars: MAX_BATCH_CHARS,
        send: (lines) => ws.send(lines),
        destroy: () => ws.close(),
      };
      ws.onopen = () => {
        open = true;
        clearTimeout(timer);
        resolve(transport);
      };
      ws.onmessage = (event) => {
        if (typeof event.data === 'string') events.receive(event.data);
        else events.disconnected(new Error('binary message from the server'));
      };
      let failure = '';
      ws.onerror = (event) => {
        // The close event follows; Node's `ws` says why here, a browser does not.
        failure = (event as { message?: string }).message ?? '';
      };
      ws.onclose = (event) => {
        clearTimeout(timer);
        const error =
          event.code === NORMAL_CLOSURE
            ? undefined
            : new Error(failure || `closed with code ${event.code} ${event.reason}`.trim());
        if (open) events.disconnected(error);
        else reject(error ?? new Error('closed before it opened'));
      };
    });
}
