// SPEC sections 8 and 9 on the HTTP port: REST bearer auth, CORS, and the
// WebSocket upgrade's Origin and bearer checks.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AclFile, hash, STANDARD_ACL, TOKENS } from '../helpers/acl-file.js';
import { type SpawnedGateway, spawnGateway } from '../helpers/spawn-gateway.js';
import { WsClient } from '../helpers/ws-client.js';

const APP_ORIGIN = 'http://app.example';
const EVIL_ORIGIN = 'http://evil.example';
const bearer = (token: string): Record<string, string> => ({ Authorization: `Bearer ${token}` });

async function expectProblem(res: Response, status: number, typeEnd: string): Promise<void> {
  expect(res.status).toBe(status);
  expect(res.headers.get('content-type')).toBe('application/problem+json');
  const body = (await res.json()) as { type: string };
  expect(body.type.endsWith(`:${typeEnd}`), body.type).toBe(true);
}

/** Tries a WebSocket upgrade: 'open' or the HTTP status that refused it. */
async function upgrade(port: number, headers: Record<string, string>): Promise<'open' | number> {
  try {
    const client = await WsClient.connect(port, { headers });
    client.close();
    return 'open';
  } catch (err) {
    const status = /upgrade refused: (\d+)/.exec((err as Error).message)?.[1];
    if (status === undefined) throw err;
    return Number(status);
  }
}

describe('the HTTP port under an ACL', () => {
  let gateway: SpawnedGateway;
  let noDefault: SpawnedGateway;
  let base: string;
  const url = (name: string): string => `${base}/keys/${name}`;

  beforeAll(async () => {
    [gateway, noDefault] = await Promise.all([
      spawnGateway([
        '--acl-file',
        new AclFile(STANDARD_ACL).path,
        '--allowed-origins',
        `${APP_ORIGIN},https://b.example`,
      ]),
      spawnGateway(['--acl-file', new AclFile(`user app on ${hash(TOKENS.app)} ~* +read +write\n`).path]),
    ]);
    base = `http://127.0.0.1:${gateway.httpPort}`;
  });
  afterAll(async () => {
    await Promise.all([gateway?.stop(), noDefault?.stop()]);
  });

  describe('REST', () => {
    it('serves default what it may read without a token', async () => {
      expect((await fetch(url('public/none'))).status).toBe(404);
      expect((await fetch(url('public/none'), { method: 'HEAD' })).status).toBe(404);
    });

    it('asks for a token with 401 and WWW-Authenticate when default may not', async () => {
      const get = await fetch(url('secret'));
      expect(get.headers.get('www-authenticate')).toBe('Bearer realm="jnhp"');
      await expectProblem(get, 401, 'unauthorized');
      const put = await fetch(url('public/x'), { method: 'PUT', body: 'v' });
      expect(put.headers.get('www-authenticate')).toBe('Bearer realm="jnhp"');
      await expectProblem(put, 401, 'unauthorized');
    });

    it('answers 401 to a bad token, and to an Authorization that is not a bearer token', async () => {
      for (const headers of [bearer(TOKENS.bad), bearer(TOKENS.gone), { Authorization: `Basic ${TOKENS.app}` }]) {
        const res = await fetch(url('public/none'), { headers });
        expect(res.headers.get('www-authenticate')).toContain('Bearer realm="jnhp"');
        await expectProblem(res, 401, 'unauthorized');
      }
    });

    it('stores and reads as the token user', async () => {
      const put = await fetch(url('app/rest-a'), { method: 'PUT', body: 'hello', headers: bearer(TOKENS.app) });
      expect(put.status).toBe(201);
      const get = await fetch(url('app/rest-a'), { headers: bearer(TOKENS.reader) });
      expect(await get.text()).toBe('hello');
      expect((await fetch(url('app/rest-a'), { method: 'HEAD', headers: bearer(TOKENS.app) })).status).toBe(200);
    });

    it('answers 403 forbidden to a good token whose user may not, and stores nothing', async () => {
      const put = await fetch(url('app/rest-b'), { method: 'PUT', body: 'v', headers: bearer(TOKENS.reader) });
      await expectProblem(put, 403, 'forbidden');
      expect((await fetch(url('app/rest-b'), { headers: bearer(TOKENS.reader) })).status).toBe(404);
      await expectProblem(await fetch(url('secret'), { headers: bearer(TOKENS.app) }), 403, 'forbidden');
    });

    it('asks every client for a token when there is no default user', async () => {
      const res = await fetch(`http://127.0.0.1:${noDefault.httpPort}/keys/a`);
      expect(res.headers.get('www-authenticate')).toBe('Bearer realm="jnhp"');
      await expectProblem(res, 401, 'unauthorized');
      const ok = await fetch(`http://127.0.0.1:${noDefault.httpPort}/keys/a`, { headers: bearer(TOKENS.app) });
      expect(ok.status).toBe(404);
    });

    it('serves /healthz, /readyz and /metrics without a token', async () => {
      for (const path of ['/healthz', '/readyz', '/metrics']) {
        expect((await fetch(`http://127.0.0.1:${noDefault.httpPort}${path}`)).status, path).toBe(200);
      }
    });
  });

  describe('CORS', () => {
    it('answers a preflight from an allowed origin with 204 and the CORS headers', async () => {
      const res = await fetch(url('app/x'), {
        method: 'OPTIONS',
        headers: {
          Origin: APP_ORIGIN,
          'Access-Control-Request-Method': 'PUT',
          'Access-Control-Request-Headers': 'authorization, content-type',
        },
      });
      expect(res.status).toBe(204);
      expect(res.headers.get('access-control-allow-origin')).toBe(APP_ORIGIN);
      expect(res.headers.get('access-control-allow-methods')).toBe('GET, HEAD, PUT');
      expect(res.headers.get('access-control-allow-headers')).toBe('Authorization, Content-Type');
      expect(Number(res.headers.get('access-control-max-age'))).toBeGreaterThan(0);
      expect(res.headers.get('vary')).toContain('Origin');
      expect(res.headers.get('access-control-allow-credentials')).toBeNull();
    });

    it('gives an allowed origin the request origin, Vary and Location to read, on answers and problems', async () => {
      const put = await fetch(url('app/cors-a'), {
        method: 'PUT',
        body: 'v',
        headers: { Origin: APP_ORIGIN, ...bearer(TOKENS.app) },
      });
      expect(put.status).toBe(201);
      expect(put.headers.get('access-control-allow-origin')).toBe(APP_ORIGIN);
      expect(put.headers.get('access-control-expose-headers')).toBe('Location');
      expect(put.headers.get('vary')).toContain('Origin');
      const missing = await fetch(url('public/none'), { headers: { Origin: 'https://b.example' } });
      expect(missing.status).toBe(404);
      expect(missing.headers.get('access-control-allow-origin')).toBe('https://b.example');
    });

    it('treats the gateway own origin as allowed', async () => {
      const own = `http://127.0.0.1:${gateway.httpPort}`;
      const res = await fetch(url('public/none'), { headers: { Origin: own } });
      expect(res.headers.get('access-control-allow-origin')).toBe(own);
    });

    it('refuses a PUT from another origin with 403 origin_not_allowed and stores nothing', async () => {
      const put = await fetch(url('app/cors-evil'), {
        method: 'PUT',
        body: 'pwned',
        headers: { Origin: EVIL_ORIGIN, ...bearer(TOKENS.app) },
      });
      await expectProblem(put, 403, 'origin_not_allowed');
      expect(put.headers.get('access-control-allow-origin')).toBeNull();
      expect((await fetch(url('app/cors-evil'), { headers: bearer(TOKENS.app) })).status).toBe(404);
    });

    it('gives another origin no CORS headers, and no preflight', async () => {
      const get = await fetch(url('public/none'), { headers: { Origin: EVIL_ORIGIN } });
      expect(get.headers.get('access-control-allow-origin')).toBeNull();
      const preflight = await fetch(url('app/x'), {
        method: 'OPTIONS',
        headers: { Origin: EVIL_ORIGIN, 'Access-Control-Request-Method': 'PUT' },
      });
      expect(preflight.headers.get('access-control-allow-origin')).toBeNull();
      await expectProblem(preflight, 403, 'origin_not_allowed');
    });
  });

  describe('the WebSocket upgrade', () => {
    it('refuses another origin with 403 and never upgrades', async () => {
      expect(await upgrade(gateway.httpPort, { Origin: EVIL_ORIGIN })).toBe(403);
    });

    it('accepts its own origin, a listed origin, and no Origin header', async () => {
      expect(await upgrade(gateway.httpPort, { Origin: `http://127.0.0.1:${gateway.httpPort}` })).toBe('open');
      expect(await upgrade(gateway.httpPort, { Origin: APP_ORIGIN })).toBe('open');
      expect(await upgrade(gateway.httpPort, {})).toBe('open');
    });

    it('acts as the user of a bearer token sent with the upgrade', async () => {
      const client = await WsClient.connect(gateway.httpPort, { headers: bearer(TOKENS.app) });
      try {
        expect(await client.request('STORE app/ws-bearer v')).toBe('W00T!');
      } finally {
        client.close();
      }
    });

    it('refuses a bad bearer token with 401 and never upgrades', async () => {
      expect(await upgrade(gateway.httpPort, bearer(TOKENS.bad))).toBe(401);
      expect(await upgrade(gateway.httpPort, bearer(TOKENS.gone))).toBe(401);
    });
  });
});

describe('--allowed-origins *', () => {
  it('lets every origin upgrade and use REST', async () => {
    const gateway = await spawnGateway(['--allowed-origins', '*']);
    try {
      expect(await upgrade(gateway.httpPort, { Origin: EVIL_ORIGIN })).toBe('open');
      const res = await fetch(`http://127.0.0.1:${gateway.httpPort}/keys/any`, {
        method: 'PUT',
        body: 'v',
        headers: { Origin: EVIL_ORIGIN },
      });
      expect(res.status).toBe(201);
      expect(res.headers.get('access-control-allow-origin')).toBe(EVIL_ORIGIN);
    } finally {
      await gateway.stop();
    }
  });

  it('without it lets no other origin upgrade, ACL or not', async () => {
    const gateway = await spawnGateway();
    try {
      expect(await upgrade(gateway.httpPort, { Origin: EVIL_ORIGIN })).toBe(403);
    } finally {
      await gateway.stop();
    }
  });
});
