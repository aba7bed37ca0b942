// TLS through real sockets (SPEC section 11): HTTPS and WSS on the HTTP port,
// JNHP over TLS on --tls-port beside the plain --tcp-port, startup errors,
// and certificate renewal by SIGHUP. Certificates come from openssl at test time.

import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { LineClient } from '../helpers/line-client.js';
import { cleanEnv, runCli } from '../helpers/run-cli.js';
import { type SpawnedGateway, spawnGateway } from '../helpers/spawn-gateway.js';
import { type ServerCertificate, TestCa } from '../helpers/tls-certs.js';
import { WsClient } from '../helpers/ws-client.js';

const TIMEOUT_MS = 5000;

interface HttpsAnswer {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
}

function httpsRequest(
  port: number,
  ca: Buffer,
  method: string,
  target: string,
  body?: string,
  headers: http.OutgoingHttpHeaders = {},
): Promise<HttpsAnswer> {
  return new Promise((resolve, reject) => {
    const req = https.request(
      { host: '127.0.0.1', port, method, path: target, ca, headers, agent: false, timeout: TIMEOUT_MS },
      (res) => {
        let text = '';
        res.setEncoding('utf8').on('data', (chunk: string) => {
          text += chunk;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer to ${method} ${target} within ${TIMEOUT_MS} ms`)));
    req.on('error', reject);
    req.end(body);
  });
}

/** Completes a TLS handshake with `port` and returns the server certificate's fingerprint. */
function servedFingerprint(port: number, ca: Buffer): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host: '127.0.0.1', port, ca }, () => {
      resolve(socket.getPeerCertificate().fingerprint256);
      socket.destroy();
    });
    socket.once('error', reject);
  });
}

/** A client that offers only TLS 1.1 (OpenSSL 3 needs security level 0 to offer it at all). */
function connectTls11(port: number, ca: Buffer): Promise<tls.TLSSocket> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect(
      {
        host: '127.0.0.1',
        port,
        ca,
        minVersion: 'TLSv1.1',
        maxVersion: 'TLSv1.1',
        ciphers: 'DEFAULT:@SECLEVEL=0',
      },
      () => resolve(socket),
    );
    socket.once('error', reject);
  });
}

describe('TLS', () => {
  let dir: string;
  let ca: TestCa;
  let first: ServerCertificate;
  let second: ServerCertificate;
  let third: ServerCertificate;
  let gateway: SpawnedGateway | undefined;
  const lineClients: LineClient[] = [];
  const wsClients: WsClient[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'jnhp-tls-'));
    ca = await TestCa.create(dir);
    first = await ca.issue();
    second = await ca.issue();
    third = await ca.issue();
  });
  afterEach(async () => {
    for (const c of lineClients) c.close();
    for (const c of wsClients) c.close();
    lineClients.length = 0;
    wsClients.length = 0;
    await gateway?.stop('SIGKILL');
    gateway = undefined;
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  const tlsArgs = (pair: ServerCertificate): string[] => ['--tls-cert', pair.certFile, '--tls-key', pair.keyFile];

  async function start(args: readonly string[]): Promise<SpawnedGateway> {
    gateway = await spawnGateway(args, { env: cleanEnv() });
    return gateway;
  }
  async function tlsLine(port: number | undefined): Promise<LineClient> {
    const client = await LineClient.connectTls(port as number, { ca: ca.ca });
    lineClients.push(client);
    return client;
  }
  async function plainLine(port: number): Promise<LineClient> {
    const client = await LineClient.connect(port);
    lineClients.push(client);
    return client;
  }
  async function wss(port: number): Promise<WsClient> {
    const client = await WsClient.connect(port, { secure: true, ca: ca.ca });
    wsClients.push(client);
    return client;
  }

  describe('on the HTTP port', () => {
    it('serves REST over HTTPS: a PUT, then a GET of what it stored', async () => {
      const { httpPort } = await start(tlsArgs(first));
      const put = await httpsRequest(httpPort, ca.ca, 'PUT', '/keys/over-https', 'hello, tls');
      expect(put.status).toBe(201);
      expect(put.headers.location).toBe('/keys/over-https');
      expect(await httpsRequest(httpPort, ca.ca, 'GET', '/keys/over-https')).toMatchObject({
        status: 200,
        body: 'hello, tls',
      });
      expect((await httpsRequest(httpPort, ca.ca, 'GET', '/readyz')).status).toBe(200);
    });

    it('answers no plain HTTP request: the port speaks HTTPS only', async () => {
      const { httpPort } = await start(tlsArgs(first));
      const plain = new Promise<number>((resolve, reject) => {
        const req = http.get({ host: '127.0.0.1', port: httpPort, path: '/healthz', agent: false }, (res) =>
          resolve(res.statusCode ?? 0),
        );
        req.on('error', reject);
      });
      await expect(plain).rejects.toThrow();
      expect((await httpsRequest(httpPort, ca.ca, 'GET', '/healthz')).status).toBe(200);
    });

    it('counts HTTPS sockets in /metrics apart from WSS ones, as over plain HTTP', async () => {
      const { httpPort } = await start(tlsArgs(first));
      const httpSockets = async (): Promise<string | undefined> =>
        /^jnhp_open_connections\{transport="http"\} (-?\d+)$/m.exec(
          (await httpsRequest(httpPort, ca.ca, 'GET', '/metrics')).body,
        )?.[1];
      const ws = await wss(httpPort);
      expect(await ws.request('PING')).toBe('PONG');
      // The metrics request's own socket is the one HTTP socket; the WebSocket counts as ws.
      expect(await httpSockets()).toBe('1');
      ws.ws.close();
      await ws.waitClosed();
      await expect.poll(httpSockets, { timeout: TIMEOUT_MS }).toBe('1');
    });

    it('answers a request on an HTTPS connection opened just before SIGTERM, then exits 0', async () => {
      const gw = await start(tlsArgs(first));
      const socket = await new Promise<tls.TLSSocket>((resolve, reject) => {
        const s = tls.connect({ host: '127.0.0.1', port: gw.httpPort, ca: ca.ca }, () => resolve(s));
        s.once('error', reject);
      });
      let response = '';
      socket.setEncoding('utf8').on('data', (text: string) => {
        response += text;
      });
      const closed = new Promise((resolve) => socket.once('close', resolve));
      const exited = gw.stop('SIGTERM');
      await gw.waitForLog((l) => l.msg === 'draining');
      socket.write('PUT /keys/just-in-time HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\n\r\nv');
      await closed;
      expect(response).toMatch(/^HTTP\/1\.1 201 /);
      expect(response).toMatch(/\r\nconnection: close\r\n/i);
      expect(await exited).toBe(0);
    });

    it('takes its own origin to be https: a page over https may use WSS and PUT, the same host over http may not', async () => {
      const { httpPort } = await start(tlsArgs(first));
      const own = `https://127.0.0.1:${httpPort}`;
      const plainTwin = `http://127.0.0.1:${httpPort}`;
      const ws = await WsClient.connect(httpPort, { secure: true, ca: ca.ca, origin: own });
      wsClients.push(ws);
      expect(await ws.request('PING')).toBe('PONG');
      await expect(WsClient.connect(httpPort, { secure: true, ca: ca.ca, origin: plainTwin })).rejects.toThrow(
        /upgrade refused: 403/,
      );
      const put = (name: string, origin: string): Promise<HttpsAnswer> =>
        httpsRequest(httpPort, ca.ca, 'PUT', `/keys/${name}`, 'v', { Origin: origin });
      const allowed = await put('from-own-origin', own);
      expect(allowed.status).toBe(201);
      expect(allowed.headers['access-control-allow-origin']).toBe(own);
      expect((await put('from-plain-twin', plainTwin)).status).toBe(403);
      expect((await httpsRequest(httpPort, ca.ca, 'GET', '/keys/from-plain-twin')).status).toBe(404);
    });

    it('speaks the line protocol over WSS on /ws', async () => {
      const { httpPort, tcpPort } = await start(tlsArgs(first));
      const ws = await wss(httpPort);
      expect(await ws.request('STORE over-wss hello')).toBe('W00T!');
      ws.send('GET over-wss\nEXISTS over-wss\nGET nobody');
      expect(await ws.read(3)).toEqual(['hello', 'AWESOME!', '']);
      expect(await (await plainLine(tcpPort)).request('GET over-wss')).toBe('hello');
    });
  });

  describe('on --tls-port', () => {
    it('serves JNHP over TLS, with the plain --tcp-port working beside it on the same store', async () => {
      const gw = await start([...tlsArgs(first), '--tls-port', '0']);
      expect(gw.tlsPort).toBeGreaterThan(0);
      expect(gw.tlsPort).not.toBe(gw.tcpPort);
      const secure = await tlsLine(gw.tlsPort);
      const plain = await plainLine(gw.tcpPort);
      expect(await secure.request('STORE over-tls secret value')).toBe('W00T!');
      expect(await plain.request('GET over-tls')).toBe('secret value');
      expect(await plain.request('STORE over-plain 1')).toBe('W00T!');
      secure.send('GET over-plain\r\nEXISTS over-plain\r\nPING\r\nQUIT\r\n');
      expect(await secure.readLines(3)).toEqual(['1', 'AWESOME!', 'PONG']);
      await secure.waitClosed();
      expect(secure.partial).toBe('');
    });

    it('counts TLS connections with plain ones toward --max-connections and in /metrics', async () => {
      const gw = await start([...tlsArgs(first), '--tls-port', '0', '--max-connections', '2']);
      expect(await (await plainLine(gw.tcpPort)).request('PING')).toBe('PONG');
      expect(await (await tlsLine(gw.tlsPort)).request('PING')).toBe('PONG');
      const over = await tlsLine(gw.tlsPort);
      expect(await over.readLine()).toBe('ERROR too many connections (see --max-connections)');
      await over.waitClosed();
      const metrics = await httpsRequest(gw.httpPort, ca.ca, 'GET', '/metrics');
      expect(metrics.body).toMatch(/^jnhp_open_connections\{transport="tcp"\} 2$/m);
    });

    it('drains TLS connections on SIGTERM like plain ones, and exits 0', async () => {
      const gw = await start([...tlsArgs(first), '--tls-port', '0']);
      const secure = await tlsLine(gw.tlsPort);
      expect(await secure.request('PING')).toBe('PONG');
      const exited = gw.stop('SIGTERM');
      await secure.waitClosed();
      expect(await exited).toBe(0);
    });
  });

  it.each([
    ['--tls-port', true],
    ['the HTTP port', false],
  ])('refuses a client that offers only TLS 1.1 on %s', async (_, onTlsPort) => {
    const gw = await start([...tlsArgs(first), '--tls-port', '0']);
    const port = (onTlsPort ? gw.tlsPort : gw.httpPort) as number;
    // The server's alert, not the client's own refusal: the client did offer TLS 1.1.
    await expect(connectTls11(port, ca.ca)).rejects.toMatchObject({ code: 'ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION' });
    expect(await servedFingerprint(port, ca.ca)).toBe(first.fingerprint256);
  });

  describe('at startup', () => {
    const cases: [string, () => string[], RegExp][] = [
      [
        'a key that does not match its certificate',
        () => ['--tls-cert', first.certFile, '--tls-key', second.keyFile],
        /--tls-key '.*server-2\.key' does not match the certificate in --tls-cert '.*server-1\.pem'/,
      ],
      [
        'a certificate file that does not exist',
        () => ['--tls-cert', path.join(dir, 'missing.pem'), '--tls-key', first.keyFile],
        /--tls-cert '.*missing\.pem' cannot be read \(ENOENT\)/,
      ],
      [
        'a key file that does not exist',
        () => ['--tls-cert', first.certFile, '--tls-key', path.join(dir, 'missing.key')],
        /--tls-key '.*missing\.key' cannot be read \(ENOENT\)/,
      ],
      [
        'a certificate file that holds no certificate',
        () => ['--tls-cert', first.keyFile, '--tls-key', first.keyFile],
        /--tls-cert '.*server-1\.key' does not hold a PEM certificate/,
      ],
    ];
    it.each(cases)('exits 2 with one line on stderr on %s', async (_, args, message) => {
      const run = await runCli(['--tcp-port', '0', '--http-port', '0', '--tls-port', '0', ...args()]);
      expect(run.code).toBe(2);
      expect(run.stderr.trimEnd().split('\n')).toHaveLength(1);
      expect(run.stderr).toMatch(message);
      expect(run.stderr).not.toMatch(/\bat .*:\d+:\d+/);
      expect(run.stdout).not.toContain('listening');
    });
  });

  describe('SIGHUP', () => {
    /** The files the gateway is started with; the tests renew them in place. */
    function installPair(pair: ServerCertificate, name: string): { certFile: string; keyFile: string } {
      const certFile = path.join(dir, `${name}.pem`);
      const keyFile = path.join(dir, `${name}.key`);
      copyFileSync(pair.certFile, certFile);
      copyFileSync(pair.keyFile, keyFile);
      return { certFile, keyFile };
    }

    it('serves a renewed certificate to new connections on both ports, keeping open ones', async () => {
      const files = installPair(first, 'renewed');
      const gw = await start(['--tls-cert', files.certFile, '--tls-key', files.keyFile, '--tls-port', '0']);
      const tlsPort = gw.tlsPort as number;
      expect(await servedFingerprint(tlsPort, ca.ca)).toBe(first.fingerprint256);
      const open = await tlsLine(tlsPort);
      expect(await open.request('STORE before-renewal 1')).toBe('W00T!');
      const openWs = await wss(gw.httpPort);
      expect(await openWs.request('PING')).toBe('PONG');

      installPair(second, 'renewed');
      gw.child.kill('SIGHUP');
      await gw.waitForLog((l) => l.msg === 'TLS certificate reloaded');

      expect(await servedFingerprint(tlsPort, ca.ca)).toBe(second.fingerprint256);
      expect(await servedFingerprint(gw.httpPort, ca.ca)).toBe(second.fingerprint256);
      expect(await (await tlsLine(tlsPort)).request('GET before-renewal')).toBe('1');
      expect((await httpsRequest(gw.httpPort, ca.ca, 'GET', '/keys/before-renewal')).body).toBe('1');
      // The connections opened before go on, with the certificate they started with.
      expect(await open.request('STORE after-renewal 2')).toBe('W00T!');
      expect((open.socket as tls.TLSSocket).getPeerCertificate().fingerprint256).toBe(first.fingerprint256);
      expect(await openWs.request('GET after-renewal')).toBe('2');
    });

    it('keeps serving the previous certificate and logs an error when the new pair cannot be used', async () => {
      const files = installPair(first, 'broken');
      const gw = await start(['--tls-cert', files.certFile, '--tls-key', files.keyFile, '--tls-port', '0']);
      const tlsPort = gw.tlsPort as number;
      const open = await tlsLine(tlsPort);
      expect(await open.request('PING')).toBe('PONG');

      // A renewal caught half-way: the new certificate beside a key that is not its own.
      copyFileSync(third.certFile, files.certFile);
      gw.child.kill('SIGHUP');
      const logged = await gw.waitForLog(
        (l) => l.msg === 'TLS certificate not reloaded; the previous one stays in use',
      );
      expect(logged.level).toBe('error');
      expect(String(logged.err)).toMatch(/does not match the certificate/);

      expect(await servedFingerprint(tlsPort, ca.ca)).toBe(first.fingerprint256);
      expect(await servedFingerprint(gw.httpPort, ca.ca)).toBe(first.fingerprint256);
      expect(await open.request('PING')).toBe('PONG');
      expect(await (await tlsLine(tlsPort)).request('PING')).toBe('PONG');

      // Once the pair is whole again, the next SIGHUP takes it.
      copyFileSync(third.keyFile, files.keyFile);
      gw.child.kill('SIGHUP');
      await gw.waitForLog((l) => l.msg === 'TLS certificate reloaded');
      expect(await servedFingerprint(tlsPort, ca.ca)).toBe(third.fingerprint256);
    });

    it('leaves a gateway without TLS running', async () => {
      const gw = await start([]);
      gw.child.kill('SIGHUP');
      await gw.waitForLog((l) => l.msg === 'signal received' && l.signal === 'SIGHUP');
      expect(await (await plainLine(gw.tcpPort)).request('PING')).toBe('PONG');
    });
  });
});
