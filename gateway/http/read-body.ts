// Reads a request body up to a byte limit, refusing a longer one before it is
// read whole: at once from its Content-Length, or while streaming a chunked
// one. What arrives is copied into one buffer that grows by doubling, so that
// a body costs about its bytes however it is cut into chunks (65,000 one-byte
// chunks must not cost 65,000 Buffers). A body of a declared length is done
// with its last byte, without waiting for the stream's `end`.

import type { IncomingMessage } from 'node:http';

/** The body was longer than the limit: nothing more of it is kept. */
export const TOO_LARGE = Symbol('too large');
/** The client went away before its body ended. */
export const GONE = Symbol('gone');

export type Body = Buffer | typeof TOO_LARGE | typeof GONE;

const MIN_BUFFER = 1024;
const EMPTY = Buffer.alloc(0);

/** The request's Content-Length when it has one and no Transfer-Encoding (which would win over it). */
export function declaredLength(incoming: IncomingMessage): number | undefined {
  const declared = incoming.headers['content-length'];
  if (declared === undefined || incoming.headers['transfer-encoding'] !== undefined) return undefined;
  return Number(declared);
}

/** Calls `done` once with the body, TOO_LARGE or GONE. */
export function readBody(incoming: IncomingMessage, maxBytes: number, done: (body: Body) => void): void {
  const declared = declaredLength(incoming);
  if (declared !== undefined && declared > maxBytes) {
    done(TOO_LARGE);
    return;
  }
  if (declared === 0) {
    done(EMPTY);
    return;
  }
  /** The first chunk, read in place while it is the only one. */
  let first: Buffer | null = null;
  let body: Buffer | null = null;
  let length = 0;
  const finish = (result: Body): void => {
    incoming.off('data', onData);
    incoming.off('end', onEnd);
    incoming.off('close', onClose);
    done(result);
  };
  const onData = (chunk: Buffer): void => {
    const total = length + chunk.length;
    if (total > maxBytes) {
      finish(TOO_LARGE);
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
    if (total === declared) onEnd();
  };
  const onEnd = (): void => finish(first ?? (body === null ? EMPTY : body.subarray(0, length)));
  // A stream that errs is closed too; IncomingMessage drops errors nobody listens for.
  const onClose = (): void => finish(GONE);
  incoming.on('data', onData);
  incoming.on('end', onEnd);
  incoming.on('close', onClose);
}
