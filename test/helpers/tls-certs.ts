// Throwaway certificates for TLS tests, made with openssl in a temporary
// folder: one CA, and server certificates it signs for 127.0.0.1 and localhost.

import { execFile } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface ServerCertificate {
  readonly certFile: string;
  readonly keyFile: string;
  /** As a TLS client sees it (`getPeerCertificate().fingerprint256`). */
  readonly fingerprint256: string;
}

async function openssl(dir: string, args: readonly string[]): Promise<void> {
  try {
    await run('openssl', args, { cwd: dir });
  } catch (err) {
    const { code, stderr } = err as { code?: unknown; stderr?: string };
    if (code === 'ENOENT') throw new Error('openssl not found on PATH (apt-get install openssl)');
    throw new Error(`openssl ${args.join(' ')}: ${stderr ?? String(err)}`);
  }
}

const NEW_EC_KEY = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];

export class TestCa {
  private issued = 0;

  private constructor(
    private readonly dir: string,
    /** The CA certificate, for clients' `ca` option. */
    readonly ca: Buffer,
  ) {}

  static async create(dir: string): Promise<TestCa> {
    await openssl(dir, [
      'req',
      '-x509',
      ...NEW_EC_KEY,
      '-keyout',
      'ca.key',
      '-out',
      'ca.pem',
      '-days',
      '2',
      '-subj',
      '/CN=jnhp test CA',
    ]);
    writeFileSync(
      path.join(dir, 'server-ext.cnf'),
      'subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n',
    );
    return new TestCa(dir, readFileSync(path.join(dir, 'ca.pem')));
  }

  /** A new key and a certificate for 127.0.0.1 and localhost, each with its own serial number. */
  async issue(): Promise<ServerCertificate> {
    const n = ++this.issued;
    const base = path.join(this.dir, `server-${n}`);
    await openssl(this.dir, [
      'req',
      ...NEW_EC_KEY,
      '-keyout',
      `${base}.key`,
      '-out',
      `${base}.csr`,
      '-subj',
      '/CN=localhost',
    ]);
    await openssl(this.dir, [
      'x509',
      '-req',
      '-in',
      `${base}.csr`,
      '-CA',
      'ca.pem',
      '-CAkey',
      'ca.key',
      '-set_serial',
      String(0x1000 + n),
      '-days',
      '2',
      '-extfile',
      'server-ext.cnf',
      '-out',
      `${base}.pem`,
    ]);
    const { fingerprint256 } = new X509Certificate(readFileSync(`${base}.pem`));
    return { certFile: `${base}.pem`, keyFile: `${base}.key`, fingerprint256 };
  }
}
