// The certificate and key of every TLS listener (SPEC section 11): read from
// their PEM files and checked to belong together before any server sees them.

import { createPrivateKey, X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import tls from 'node:tls';

/** TLS 1.0 and 1.1 are refused (SPEC section 11). */
export const TLS_MIN_VERSION = 'TLSv1.2';
/** A client that has not finished its handshake by then is dropped (as slow HTTP headers are). */
export const TLS_HANDSHAKE_TIMEOUT_MS = 10_000;

export interface TlsFiles {
  readonly certFile: string;
  readonly keyFile: string;
}

/** What `tls.createServer` and `setSecureContext` take. */
export interface SecureOptions {
  readonly cert: Buffer;
  readonly key: Buffer;
  readonly minVersion: typeof TLS_MIN_VERSION;
}

export interface TlsPair {
  readonly secure: SecureOptions;
  /** Of the leaf certificate, for the log. */
  readonly fingerprint256: string;
  /** ISO 8601. */
  readonly validTo: string;
}

/** A pair that cannot be used; the message names the flag and the file. */
export class TlsPairError extends Error {
  override name = 'TlsPairError';
}

/** Reads both files and checks that they hold a certificate and its own key. */
export async function loadTlsPair(files: TlsFiles): Promise<TlsPair> {
  const [cert, key] = await Promise.all([read(files.certFile, '--tls-cert'), read(files.keyFile, '--tls-key')]);
  const leaf = attempt(
    () => new X509Certificate(cert),
    `--tls-cert '${files.certFile}' does not hold a PEM certificate`,
  );
  const privateKey = attempt(
    () => createPrivateKey(key),
    `--tls-key '${files.keyFile}' does not hold a PEM private key`,
  );
  if (!leaf.checkPrivateKey(privateKey)) {
    throw new TlsPairError(
      `--tls-key '${files.keyFile}' does not match the certificate in --tls-cert '${files.certFile}'`,
    );
  }
  const secure = { cert, key, minVersion: TLS_MIN_VERSION } as const;
  // What OpenSSL itself refuses (a chain it cannot parse, a key too weak) is refused here, not at the first client.
  attempt(() => tls.createSecureContext(secure), `--tls-cert '${files.certFile}' cannot be used`);
  return { secure, fingerprint256: leaf.fingerprint256, validTo: isoDate(leaf.validTo) };
}

async function read(file: string, flag: string): Promise<Buffer> {
  try {
    return await readFile(file);
  } catch (err) {
    throw new TlsPairError(`${flag} '${file}' cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'})`, {
      cause: err,
    });
  }
}

function attempt<T>(make: () => T, message: string): T {
  try {
    return make();
  } catch (err) {
    throw new TlsPairError(`${message}: ${(err as Error).message}`, { cause: err });
  }
}

/** OpenSSL's `Dec  3 14:13:21 2026 GMT`, as logs write dates elsewhere. */
function isoDate(openssl: string): string {
  const date = new Date(openssl);
  return Number.isNaN(date.getTime()) ? openssl : date.toISOString();
}
