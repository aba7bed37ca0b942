// SIGHUP's part for TLS: a renewed certificate and key for new connections;
// open ones keep the pair they started with.

import type { Logger } from '../logger.js';
import { loadTlsPair, type SecureOptions, type TlsFiles, type TlsPair } from './tls-pair.js';

/** A TLS listener (node:tls or node:https) whose next handshakes use `options`. */
export interface SecureListener {
  setSecureContext(options: SecureOptions): void;
}

/**
 * Returns a function that loads the pair again and hands it to every
 * listener; a pair that cannot be used is logged and the old one stays.
 * Reloads run one after another, so the last SIGHUP's files win.
 */
export function tlsReloader(
  files: TlsFiles,
  listeners: readonly SecureListener[],
  logger: Logger,
): () => Promise<void> {
  let last = Promise.resolve();
  const reload = async (): Promise<void> => {
    try {
      const pair = await loadTlsPair(files);
      for (const listener of listeners) listener.setSecureContext(pair.secure);
      logPair(logger, files, pair, 'TLS certificate reloaded');
    } catch (err) {
      logger.error(
        { err: (err as Error).message, certFile: files.certFile, keyFile: files.keyFile },
        'TLS certificate not reloaded; the previous one stays in use',
      );
    }
  };
  return () => {
    last = last.then(reload);
    return last;
  };
}

/** Which certificate is served from now on, and until when. */
export function logPair(logger: Logger, files: TlsFiles, pair: TlsPair, msg: string): void {
  logger.info({ certFile: files.certFile, fingerprint256: pair.fingerprint256, validTo: pair.validTo }, msg);
}
