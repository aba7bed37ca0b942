// The docker-compose topology as local processes on loopback: one
// redis-server, N gateways, and HAProxy running deploy/haproxy.cfg itself.
// Each gateway gets its own loopback address (127.77.0.N) with the same
// ports, like replicas on a Docker network, and HAProxy finds them through
// a small DNS responder, as it finds replicas through Docker's DNS.

import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Managed, startManaged } from './child-process.js';
import { startDnsResponder } from './dns-responder.js';

const here = path.dirname(fileURLToPath(import.meta.url));
/** The checkout's top folder, from deploy/cluster or from dist/deploy/cluster. */
const root = here.includes(`${path.sep}dist${path.sep}`)
  ? path.resolve(here, '..', '..', '..')
  : path.resolve(here, '..', '..');
const GATEWAY_NAME = 'gateway.jnhp.test';
const GATEWAY_MAIN = path.join(root, 'dist', 'gateway', 'main.js');
const HAPROXY_CFG = path.join(root, 'deploy', 'haproxy.cfg');

export interface ClusterOptions {
  readonly gateways?: number;
  /** Load-balancer ports; 0 (the default) picks free ones. */
  readonly tcpPort?: number;
  readonly httpPort?: number;
  /** Extra flags for every gateway. */
  readonly gatewayArgs?: readonly string[];
  readonly log?: (line: string) => void;
}

export interface LocalCluster {
  readonly tcpPort: number;
  readonly httpPort: number;
  readonly statsPort: number;
  readonly redisPort: number;
  readonly gatewayTcpPort: number;
  readonly gatewayHttpPort: number;
  readonly redisPid: number;
  readonly haproxyPid: number;
  /** The loopback address of gateway i (0-based). */
  gatewayHost(i: number): string;
  gatewayPid(i: number): number;
  /** SIGTERM to gateway i; resolves with its exit code once it has drained. */
  stopGateway(i: number): Promise<number | null>;
  startGateway(i: number): Promise<void>;
  /** HAProxy's view: server name -> status (UP, DOWN, MAINT…) per backend. */
  serverStates(): Promise<Map<string, string>>;
  /** Resolves once HAProxy sees `count` servers UP in both backends. */
  waitForUp(count: number, timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, host, () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** A port free on every one of `hosts`. */
async function portFreeOn(hosts: readonly string[]): Promise<number> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const port = await freePort(hosts[0] as string);
    const free = await Promise.all(
      hosts.map(
        (host) =>
          new Promise<boolean>((resolve) => {
            const server = net.createServer();
            server.once('error', () => resolve(false));
            server.listen(port, host, () => server.close(() => resolve(true)));
          }),
      ),
    );
    if (free.every(Boolean)) return port;
  }
  throw new Error(`no port free on all of ${hosts.join(', ')}`);
}

export async function startLocalCluster(options: ClusterOptions = {}): Promise<LocalCluster> {
  const count = options.gateways ?? 3;
  const log = options.log ?? (() => {});
  const hosts = Array.from({ length: count }, (_, i) => `127.77.0.${i + 1}`);
  const started: Managed[] = [];
  const dir = mkdtempSync(path.join(os.tmpdir(), 'jnhp-cluster-'));
  const dns = await startDnsResponder(GATEWAY_NAME, hosts);
  const stopAll = async (): Promise<void> => {
    await Promise.all(started.map((p) => p.stop('SIGTERM', 5000)));
    await dns.close();
    rmSync(dir, { recursive: true, force: true });
  };

  try {
    const redisPort = await freePort('127.0.0.1');
    const redis = startManaged('redis', 'redis-server', [
      '--port',
      String(redisPort),
      '--bind',
      '127.0.0.1',
      '--dir',
      dir,
      '--save',
      '',
      '--appendonly',
      'yes',
      '--appendfsync',
      'always',
      '--daemonize',
      'no',
    ]);
    started.push(redis);
    await redis.waitForOutput(/Ready to accept connections/);
    log(`redis-server pid ${redis.pid} on 127.0.0.1:${redisPort}`);

    const gatewayTcpPort = await portFreeOn(hosts);
    const gatewayHttpPort = await portFreeOn(hosts);
    const gateways: (Managed | null)[] = hosts.map(() => null);
    const startGateway = async (i: number): Promise<void> => {
      const gateway = startManaged(`gateway ${i}`, process.execPath, [
        GATEWAY_MAIN,
        '--host',
        hosts[i] as string,
        '--tcp-port',
        String(gatewayTcpPort),
        '--http-port',
        String(gatewayHttpPort),
        '--store',
        'redis',
        '--redis-url',
        `redis://127.0.0.1:${redisPort}`,
        ...(options.gatewayArgs ?? []),
      ]);
      started.push(gateway);
      gateways[i] = gateway;
      await gateway.waitForOutput(/"msg":"listening"/);
      log(`gateway ${i} pid ${gateway.pid} on ${hosts[i]}:${gatewayTcpPort} and :${gatewayHttpPort}`);
    };
    await Promise.all(hosts.map((_, i) => startGateway(i)));

    const tcpPort = options.tcpPort || (await freePort('127.0.0.1'));
    const httpPort = options.httpPort || (await freePort('127.0.0.1'));
    const statsPort = await freePort('127.0.0.1');
    const haproxy = startManaged('haproxy', 'haproxy', ['-db', '-f', HAPROXY_CFG], {
      PATH: process.env.PATH,
      JNHP_LB_HOST: '127.0.0.1',
      // Within an ordinary shell's open-file limit.
      JNHP_LB_MAXCONN: '4000',
      JNHP_LB_TCP_PORT: String(tcpPort),
      JNHP_LB_HTTP_PORT: String(httpPort),
      JNHP_LB_STATS: `127.0.0.1:${statsPort}`,
      JNHP_LB_DNS: `127.0.0.1:${dns.port}`,
      JNHP_LB_GATEWAYS: GATEWAY_NAME,
      JNHP_GATEWAY_TCP_PORT: String(gatewayTcpPort),
      JNHP_GATEWAY_HTTP_PORT: String(gatewayHttpPort),
    });
    started.push(haproxy);
    if (process.env.JNHP_CLUSTER_DEBUG) haproxy.child.stdout?.pipe(process.stderr);
    log(
      `haproxy pid ${haproxy.pid}: JNHP on 127.0.0.1:${tcpPort}, HTTP on 127.0.0.1:${httpPort}, stats on :${statsPort}`,
    );

    const serverStates = async (): Promise<Map<string, string>> => {
      const states = new Map<string, string>();
      const response = await fetch(`http://127.0.0.1:${statsPort}/stats;csv`);
      for (const row of (await response.text()).split('\n')) {
        const [backend, server, ...rest] = row.split(',');
        if (!backend?.startsWith('gateways_') || !server || server === 'BACKEND') continue;
        states.set(`${backend}/${server}`, rest[15] ?? '');
      }
      return states;
    };
    const waitForUp = async (want: number, timeoutMs = 20_000): Promise<void> => {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const up = await serverStates().then(
          (s) => [...s.values()].filter((v) => v === 'UP').length,
          () => 0,
        );
        if (up >= want * 2) return;
        if (Date.now() > deadline) {
          throw new Error(`HAProxy sees ${up} of ${want * 2} servers up:\n${haproxy.output().slice(-3000)}`);
        }
        await new Promise((r) => setTimeout(r, 200));
      }
    };
    await waitForUp(count);

    return {
      tcpPort,
      httpPort,
      statsPort,
      redisPort,
      gatewayTcpPort,
      gatewayHttpPort,
      redisPid: redis.pid,
      haproxyPid: haproxy.pid,
      gatewayHost: (i) => hosts[i] as string,
      gatewayPid: (i) => gateways[i]?.pid ?? -1,
      stopGateway: async (i) => {
        const gateway = gateways[i];
        if (!gateway) return null;
        gateways[i] = null;
        return gateway.stop('SIGTERM');
      },
      startGateway,
      serverStates,
      waitForUp,
      stop: stopAll,
    };
  } catch (err) {
    await stopAll();
    throw err;
  }
}
