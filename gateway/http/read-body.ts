// Reads a request body up to a byte limit, refusing a longer one before it is
// read whole: at once from its Content-Length, or while streaming a chunked
// one. What arrives is copied into one buffer that grows by doubling, so that
// a body costs about its bytes however it is cut into chunks (65,000 one-byte
// chunks must not cost 65,000 Buffers).

import type { IncomingMessage } from 'node:http';

/** The body was longer than the limit: nothing more of it is kept. */
export const TOO_LARGE = Symbol('too large');

const MIN_BUFFER = 1024;

/** The request's Content-Length when it has one and no Transfer-Encoding (which would win over it). */
export function declaredLength(incoming: IncomingMessage): number | undefined {
  const declared = incoming.headers['content-length'];
  if (declared === undefined || incoming.headers['transfer-encoding'] !== undefined) return undefined;
  return Number(declared);
}

/** Resolves with the body, or TOO_LARGE; rejects if the client goes away first. */
export function readBody(incoming: IncomingMessage, maxBytes: number): Promise<Buffer | typeof TOO_LARGE> {
  const declared = declaredLength(incoming);
  if (declared !== undefined && declared > maxBytes) return Promise.resolve(TOO_LARGE);
  return new Promise((resolve, reject) => {
    /** The first chunk, read in place while it is the only one. */
    let first: Buffer | null = null;
    let body: Buffer | null = null;
    let length = 0;
    const onData = (chunk: Buffer): void => {
      const total = length + chunk.length;
      if (total > maxBytes) {
        stop();
        resolve(TOO_LARGE);
        return;
      }
      if (length === 0) {
        first = chunk;
      } else {
        if (body === null || total > body.length) {
          const size = Math.min(maxBytes, Math.max(MIN_BUFFER, total, declared ?? 0, 2 * (body?.length ?? 0)));
          const grown = Buffer.allocUnsafe(size);
          (body ?? (first as Buffer)).copy(grown, 0, 0, length);
          body = grown;
          first = null;
        }
        chunk.copy(body, length);
      }
      length = total;
    };
    const onEnd = (): void => {
      stop();
      resolve(first ?? (body === null ? Buffer.alloc(0) : body.subarray(0, length)));
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
