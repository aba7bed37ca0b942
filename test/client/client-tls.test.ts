// jnhps:// in the client: TLS to a terminating proxy in front of the
// gateway's TCP port (the gateway's own TLS port is SPEC section 11's work).

import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { connect } from '../../client/index.js';
import { describeWithTools } from '../helpers/require-tools.js';
import { type SpawnedGateway, spawnGateway } from '../helpers/spawn-gateway.js';

describeWithTools(['openssl'], 'the client over jnhps://', () => {
  let gateway: SpawnedGateway;
  let proxy: tls.Server;
  let port: number;
  let ca: string;

  beforeAll(async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'jnhp-client-tls-'));
    const made = spawnSync(
      'openssl',
      ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'key.pem', '-out', 'cert.pem', '-days', '1'].concat([
        '-subj',
        '/CN=127.0.0.1',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
      ]),
      { cwd: dir, encoding: 'utf8' },
    );
    if (made.status !== 0) throw new Error(`openssl: ${made.stderr}`);
    ca = readFileSync(path.join(dir, 'cert.pem'), 'utf8');
    gateway = await spawnGateway();
    proxy = tls.createServer({ key: readFileSync(path.join(dir, 'key.pem')), cert: ca }, (secure) => {
      const plain = net.connect(gateway.tcpPort, '127.0.0.1');
      secure.pipe(plain).pipe(secure);
      secure.on('error', () => plain.destroy());
      plain.on('error', () => secure.destroy());
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    port = (proxy.address() as net.AddressInfo).port;
  });
  afterAll(async () => {
    proxy?.close();
    await gateway?.stop();
  });

  it('speaks JNHP over TLS, trusting the CA given in the tls option', async () => {
    const client = await connect(`jnhps://127.0.0.1:${port}`, { tls: { ca } });
    expect(await client.store('over-tls', 'secret value')).toBe(true);
    expect(await client.get('over-tls')).toBe('secret value');
    await client.close();
  });

  it('refuses a certificate it cannot verify', async () => {
    await expect(connect(`jnhps://127.0.0.1:${port}`)).rejects.toThrow(/self[- ]signed/i);
  });
});
