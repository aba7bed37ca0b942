// The deployment files cannot be run here (no Docker engine), so they are
// checked with what does run: HAProxy's own config check, a parse of the
// compose file, and checks that what they name exists and fits together.

import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { repoRoot } from '../helpers/repo-root.js';
import { TestCa } from '../helpers/tls-certs.js';

const root = repoRoot();
const read = (file: string): string => readFileSync(path.join(root, file), 'utf8');
const hasHaproxy = spawnSync('haproxy', ['-v']).status === 0;

interface ComposeService {
  image?: string;
  build?: { context: string; dockerfile: string };
  command?: string[];
  environment?: Record<string, string>;
  ports?: string[];
  expose?: string[];
  volumes?: string[];
  healthcheck?: { test: string[] };
  deploy?: { replicas?: number };
  depends_on?: Record<string, unknown> | string[];
  init?: boolean;
  stop_grace_period?: string;
  ulimits?: { nofile?: { soft: number; hard: number } };
  profiles?: string[];
}

const compose = parse(read('docker-compose.yml')) as {
  services: Record<string, ComposeService>;
  volumes?: Record<string, unknown>;
};
const haproxyCfg = read('deploy/haproxy.cfg');
const dockerfile = read('deploy/Dockerfile');

describe('deploy/haproxy.cfg', () => {
  it.runIf(hasHaproxy || process.env.CI)('passes haproxy -c', () => {
    const check = spawnSync('haproxy', ['-c', '-f', path.join(root, 'deploy', 'haproxy.cfg')], { encoding: 'utf8' });
    expect(check.stderr + check.stdout).toContain('Configuration file is valid');
    expect(check.status).toBe(0);
  });

  it.runIf(hasHaproxy || process.env.CI)(
    'passes haproxy -c with TLS on, serving HTTPS on 8443 and JNHP over TLS on 8112',
    async () => {
      const dir = mkdtempSync(path.join(os.tmpdir(), 'jnhp-lb-tls-'));
      try {
        const server = await (await TestCa.create(dir)).issue();
        const pem = path.join(dir, 'gateway.pem');
        writeFileSync(pem, readFileSync(server.certFile, 'utf8') + readFileSync(server.keyFile, 'utf8'));
        const check = spawnSync('haproxy', ['-c', '-f', path.join(root, 'deploy', 'haproxy.cfg')], {
          encoding: 'utf8',
          env: { ...process.env, JNHP_LB_TLS_CERT: pem },
        });
        expect(check.stderr + check.stdout).toContain('Configuration file is valid');
        expect(check.status).toBe(0);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
      expect(haproxyCfg).toMatch(/frontend jnhp_https[\s\S]*?bind "[^"]*:\$\{JNHP_LB_HTTPS_PORT-8443\}" ssl crt/);
      expect(haproxyCfg).toMatch(/frontend jnhp_tls[\s\S]*?bind "[^"]*:\$\{JNHP_LB_TLS_PORT-8112\}" ssl crt/);
    },
  );

  it('listens on 8111 for JNHP and 8080 for HTTP by default', () => {
    expect(haproxyCfg).toMatch(
      /frontend jnhp_tcp[\s\S]*?bind "\$\{JNHP_LB_HOST-0\.0\.0\.0\}:\$\{JNHP_LB_TCP_PORT-8111\}"/,
    );
    expect(haproxyCfg).toMatch(
      /frontend jnhp_http[\s\S]*?bind "\$\{JNHP_LB_HOST-0\.0\.0\.0\}:\$\{JNHP_LB_HTTP_PORT-8080\}"/,
    );
  });

  it('checks JNHP replicas with PING/PONG and HTTP replicas with /readyz', () => {
    const tcp = haproxyCfg.slice(
      haproxyCfg.indexOf('\nbackend gateways_tcp'),
      haproxyCfg.indexOf('\nbackend gateways_http'),
    );
    const http = haproxyCfg.slice(haproxyCfg.indexOf('\nbackend gateways_http'));
    expect(tcp).toContain('tcp-check send "PING\\r\\n"');
    expect(tcp).toContain('tcp-check expect string PONG');
    // The JNHP backend follows readiness too: a draining replica, or one whose store is down, gets no new client.
    expect(tcp).toContain('tcp-check send "GET /readyz HTTP/1.1');
    expect(http).toContain('http-check send meth GET uri /readyz');
    expect(http).toContain('http-check expect status 200');
  });

  it("discovers every replica of the compose service 'gateway' by DNS on the compose ports", () => {
    expect(haproxyCfg).toContain('"${JNHP_LB_GATEWAYS-gateway}":"${JNHP_GATEWAY_TCP_PORT-8111}"');
    expect(haproxyCfg).toContain('"${JNHP_LB_GATEWAYS-gateway}":"${JNHP_GATEWAY_HTTP_PORT-8080}"');
    expect(haproxyCfg).toContain('nameserver dns "${JNHP_LB_DNS-127.0.0.11:53}"');
    expect(compose.services).toHaveProperty('gateway');
  });
});

describe('docker-compose.yml', () => {
  it('has redis, the gateway and one load balancer, and a single gateway without Redis behind a profile', () => {
    const started = Object.entries(compose.services).filter(([, service]) => service.profiles === undefined);
    expect(started.map(([name]) => name).sort()).toEqual(['gateway', 'lb', 'redis']);
    expect(compose.services.single?.profiles).toEqual(['single']);
  });

  it('runs the single gateway on the file store, its data directory on a volume the image lets it write', () => {
    const single = compose.services.single as ComposeService;
    const gateway = compose.services.gateway as ComposeService;
    expect(single.build).toEqual(gateway.build);
    expect(single.environment?.JNHP_STORE).toBe('file');
    expect(single.environment?.JNHP_DATA_DIR).toBe('/data');
    expect(single.volumes?.[0]).toMatch(/^(\w[\w-]*):\/data$/);
    expect(compose.volumes).toHaveProperty((single.volumes?.[0] ?? '').split(':')[0] as string);
    expect(dockerfile).toMatch(/^RUN mkdir \/data && chown node:node \/data$/m);
    expect(single.depends_on).toBeUndefined();
    expect(single.deploy?.replicas ?? 1).toBe(1);
    expect(single.ports).toEqual(['8111:8111', '8080:8080']);
    expect(single.init).toBe(true);
    const grace = Number.parseInt(single.stop_grace_period ?? '10', 10) * 1000;
    expect(grace).toBeGreaterThan(Number(single.environment?.JNHP_DRAIN_TIMEOUT_MS));
  });

  it('runs Redis with append-only persistence, fsync always, on a volume, with a health check', () => {
    const redis = compose.services.redis as ComposeService;
    expect(redis.command?.join(' ')).toMatch(/--appendonly yes .*--appendfsync always/);
    expect(redis.volumes?.[0]).toMatch(/^(\w[\w-]*):\/data$/);
    const volume = (redis.volumes?.[0] ?? '').split(':')[0] as string;
    expect(compose.volumes).toHaveProperty(volume);
    expect(redis.healthcheck?.test).toEqual(['CMD', 'redis-cli', 'ping']);
  });

  it('builds the gateway from deploy/Dockerfile, scales it, points it at the redis service and mounts the validators', () => {
    const gateway = compose.services.gateway as ComposeService;
    expect(gateway.build?.dockerfile).toBe('deploy/Dockerfile');
    expect(existsSync(path.join(root, gateway.build?.context ?? '', gateway.build?.dockerfile ?? ''))).toBe(true);
    expect(gateway.deploy?.replicas).toBeGreaterThanOrEqual(2);
    expect(gateway.environment?.JNHP_STORE).toBe('redis');
    expect(new URL(gateway.environment?.REDIS_URL ?? '').hostname).toBe('redis');
    expect(gateway.depends_on).toHaveProperty('redis');
    expect(gateway.volumes).toContain('./deploy/validators:/app/validators:ro');
    expect(existsSync(path.join(root, 'deploy', 'validators'))).toBe(true);
    expect(gateway.init).toBe(true);
    // The gateway publishes no host port of its own: only the load balancer does.
    expect(gateway.ports).toBeUndefined();
    expect(gateway.expose).toEqual(['8111', '8080']);
  });

  it('gives the gateway longer to stop than its drain deadline', () => {
    const gateway = compose.services.gateway as ComposeService;
    const grace = Number.parseInt(gateway.stop_grace_period ?? '10', 10) * 1000;
    expect(grace).toBeGreaterThan(Number(gateway.environment?.JNHP_DRAIN_TIMEOUT_MS));
  });

  it('gives the gateway an open-file limit above what its default --max-connections needs', () => {
    const gateway = compose.services.gateway as ComposeService;
    expect(gateway.ulimits?.nofile?.soft).toBeGreaterThan(10_000 + 1000);
  });

  it('publishes 8111 and 8080 on the load balancer, which runs deploy/haproxy.cfg', () => {
    const lb = compose.services.lb as ComposeService;
    expect(lb.image).toMatch(/^haproxy:/);
    expect(lb.ports).toEqual(['8111:8111', '8080:8080']);
    expect(lb.volumes).toContain('./deploy/haproxy.cfg:/usr/local/etc/haproxy/haproxy.cfg:ro');
  });
});

describe('deploy/Dockerfile', () => {
  it('builds in stages on a current LTS Node and keeps production dependencies only', () => {
    const froms = [...dockerfile.matchAll(/^FROM (\S+)/gm)].map((m) => m[1]);
    expect(froms.length).toBeGreaterThanOrEqual(2);
    for (const from of froms) expect(from).toMatch(/^node:(22|24)[.-]/);
    expect(dockerfile).toContain('npm prune --omit=dev');
  });

  it('runs as a non-root user, listens on all interfaces and checks /healthz', () => {
    expect(dockerfile).toMatch(/^USER node$/m);
    expect(dockerfile).toMatch(/JNHP_HOST=0\.0\.0\.0/);
    expect(dockerfile).toMatch(/^HEALTHCHECK [\s\S]*\/healthz/m);
  });

  it('starts node directly (exec form), so SIGTERM reaches it', () => {
    expect(dockerfile).toMatch(/^ENTRYPOINT \["node", "dist\/gateway\/main\.js"\]$/m);
  });

  it('sends the build only what it copies (deploy/Dockerfile.dockerignore)', () => {
    const ignore = read('deploy/Dockerfile.dockerignore');
    expect(ignore).toMatch(/^\*\*$/m);
    for (const m of dockerfile.matchAll(/^COPY (?!--from)(.+) \S+$/gm)) {
      for (const source of (m[1] as string).split(' ')) {
        const kept = ignore.includes(`!${source}\n`) || ignore.includes(`!${source.split('/')[0]}\n`);
        expect(kept, source).toBe(true);
      }
    }
  });

  it('copies only folders that exist', () => {
    for (const m of dockerfile.matchAll(/^COPY (?!--from)(.+) \S+$/gm)) {
      for (const source of (m[1] as string).split(' ')) expect(existsSync(path.join(root, source)), source).toBe(true);
    }
  });
});
