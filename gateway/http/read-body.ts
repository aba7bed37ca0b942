// Reads a request body up to a byte limit, refusing a longer one before it is
// read whole: at once from its Content-Length, or while streaming a chunked one.

import type { IncomingMessage } from 'node:http';

/** The body was longer than the limit: nothing more of it is kept. */
export const TOO_LARGE = Symbol('too large');

/** Resolves with the body, or TOO_LARGE; rejects if the client goes away first. */
export function readBody(incoming: IncomingMessage, maxBytes: number): Promise<Buffer | typeof TOO_LARGE> {
  const declared = incoming.headers['content-length'];
  if (declared !== undefined && incoming.headers['transfer-encoding'] === undefined && Number(declared) > maxBytes) {
    return Promise.resolve(TOO_LARGE);
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let length = 0;
    const onData = (chunk: Buffer): void => {
      length += chunk.length;
      if (length > maxBytes) {
        stop();
        resolve(TOO_LARGE);
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = (): void => {
      stop();
      resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, length));
    };
    const onClose = (): void => {
      stop();
      reject(new Error('client went away before its request body ended'));
    };
    const stop = (): void => {
      incoming.off('data', onData);
      incoming.off('end', onEnd);
      incoming.off('error', onClose);
      incoming.off('close', onClose);
    };
    incoming.on('data', onData);
    incoming.on('end', onEnd);
    incoming.on('error', onClose);
    incoming.on('close', onClose);
  });
}
