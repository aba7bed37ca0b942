// jnhps:// and wss:// in the client, against the gateway's own TLS (SPEC
// section 11): --tls-port for JNHP, HTTPS and WSS on the HTTP port.

import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { connect } from '../../client/index.js';
import { describeWithTools } from '../helpers/require-tools.js';
import { type SpawnedGateway, spawnGateway } from '../helpers/spawn-gateway.js';
import { TestCa } from '../helpers/tls-certs.js';

describeWithTools(['openssl'], 'the client over jnhps:// and wss://', () => {
  let gateway: SpawnedGateway;
  let ca: Buffer;

  beforeAll(async () => {
    const authority = await TestCa.create(mkdtempSync(path.join(os.tmpdir(), 'jnhp-client-tls-')));
    ca = authority.ca;
    const { certFile, keyFile } = await authority.issue();
    gateway = await spawnGateway(['--tls-cert', certFile, '--tls-key', keyFile, '--tls-port', '0']);
  });
  afterAll(async () => {
    await gateway?.stop();
  });

  it('speaks JNHP over TLS on --tls-port and over WSS, trusting the CA given in the tls option', async () => {
    const overTls = await connect(`jnhps://127.0.0.1:${gateway.tlsPort}`, { tls: { ca } });
    expect(await overTls.store('over-tls', 'secret value')).toBe(true);
    await overTls.close();
    const overWss = await connect(`wss://127.0.0.1:${gateway.httpPort}/ws`, { tls: { ca } });
    expect(await overWss.get('over-tls')).toBe('secret value');
    await overWss.close();
  });

  it('refuses a certificate it cannot verify', async () => {
    await expect(connect(`jnhps://127.0.0.1:${gateway.tlsPort}`)).rejects.toThrow(/certificate/i);
  });
});
