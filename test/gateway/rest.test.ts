// REST through real sockets: every row of SPEC section 3.

import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RawHttp } from '../helpers/http-raw.js';
import { LineClient } from '../helpers/line-client.js';
import { describeWithRedis, type RedisServer, startRedisServer } from '../helpers/redis-server.js';
import { repoRoot } from '../helpers/repo-root.js';
import { type SpawnedGateway, spawnGateway } from '../helpers/spawn-gateway.js';

const MAX_LINE_BYTES = 1024;
const decide = path.join(repoRoot(), 'test', 'fixtures', 'validators', 'rest-decide.mjs');

describe('REST', () => {
  let gateway: SpawnedGateway;
  let base: string;
  const url = (name: string): string => `${base}/keys/${name}`;
  const put = (name: string, body: string, type = 'text/plain'): Promise<Response> =>
    fetch(url(name), { method: 'PUT', body, headers: { 'Content-Type': type } });

  beforeAll(async () => {
    gateway = await spawnGateway(['--max-line-bytes', String(MAX_LINE_BYTES), '--validator', `module:${decide}`]);
    base = `http://127.0.0.1:${gateway.httpPort}`;
  });
  afterAll(async () => {
    await gateway?.stop();
  });

  async function expectProblem(res: Response, status: number, code: string): Promise<void> {
    expect(res.status).toBe(status);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ type: `urn:jnhp:problem:${code}`, status });
    expect(typeof body.title).toBe('string');
    expect(typeof body.detail).toBe('string');
  }

  describe('PUT /keys/{name}', () => {
    it('answers 201 with a Location that percent-encodes the name, and stores the text/plain body', async () => {
      const res = await put('dir%2F%C3%A9t%C3%A9', 'hello, world  ');
      expect(res.status).toBe(201);
      expect(res.headers.get('location')).toBe('/keys/dir%2F%C3%A9t%C3%A9');
      const got = await fetch(url('dir%2F%C3%A9t%C3%A9'));
      expect(await got.text()).toBe('hello, world  ');
    });

    it('stores the value of an application/json body {"value": "..."}', async () => {
      const res = await put('json-body', JSON.stringify({ value: 'from JSON' }), 'application/json');
      expect(res.status).toBe(201);
      expect(await (await fetch(url('json-body'))).text()).toBe('from JSON');
    });

    it('answers 409 when the name exists and keeps the first value', async () => {
      expect((await put('twice', 'first')).status).toBe(201);
      await expectProblem(await put('twice', 'second'), 409, 'name_exists');
      expect(await (await fetch(url('twice'))).text()).toBe('first');
    });

    it('answers 403 when a validator refuses', async () => {
      await expectProblem(await put('refused', 'refuse-me'), 403, 'refused');
      expect((await fetch(url('refused'))).status).toBe(404);
    });

    it('answers 503 when a validator fails', async () => {
      await expectProblem(await put('failing', 'fail-me'), 503, 'validator_failed');
      expect((await fetch(url('failing'))).status).toBe(404);
    });

    it.each([
      ['a name longer than 250 bytes', 'n'.repeat(251)],
      ['a name holding a space', 'a%20b'],
      ['a name holding a control character', 'a%01b'],
      ['a malformed percent-escape', 'a%zzb'],
      ['a name that is not UTF-8', 'a%FFb'],
      ['an empty name', ''],
    ])('answers 400 to %s', async (_what, name) => {
      await expectProblem(await put(name, 'v'), 400, 'bad_name');
    });

    it.each([
      ['an empty value', '', 'text/plain', 'bad_value'],
      ['a value holding LF', 'a\nb', 'text/plain', 'bad_value'],
      ['a value holding CR', 'a\rb', 'text/plain', 'bad_value'],
      ['a JSON value holding LF', JSON.stringify({ value: 'a\nb' }), 'application/json', 'bad_value'],
      ['a JSON value holding a lone surrogate', '{"value": "a\\ud800"}', 'application/json', 'invalid_utf8'],
      ['a body that is not JSON', '{"value": ', 'application/json', 'bad_value'],
      ['a JSON body without a string value', JSON.stringify({ value: 3 }), 'application/json', 'bad_value'],
    ])('answers 400 to %s', async (_what, body, type, code) => {
      await expectProblem(await put('bad-value', body, type), 400, code);
    });

    it('answers 400 to a body that is not valid UTF-8', async () => {
      const res = await fetch(url('latin1'), { method: 'PUT', body: Buffer.from([0x61, 0xff, 0x62]) });
      await expectProblem(res, 400, 'invalid_utf8');
    });

    it('answers 400 to a text body that holds NUL', async () => {
      await expectProblem(await put('nul', 'a\0b'), 400, 'bad_value');
    });

    it('accepts a value of exactly --max-line-bytes bytes', async () => {
      expect((await put('longest', 'v'.repeat(MAX_LINE_BYTES))).status).toBe(201);
    });

    it('answers 413 from the Content-Length alone, before the body is sent', async () => {
      const client = await RawHttp.connect(gateway.httpPort);
      client.write(`PUT /keys/huge HTTP/1.1\r\nHost: x\r\nContent-Length: ${100 * 1024 * 1024}\r\n\r\n`);
      const res = await client.response();
      expect(res.status).toBe(413);
      expect(res.headers['content-type']).toBe('application/problem+json');
      expect(JSON.parse(res.body)).toMatchObject({ type: 'urn:jnhp:problem:line_too_long', status: 413 });
      await client.waitClosed();
    });

    it('answers 413 to a chunked body while it streams, once it passes the limit', async () => {
      const client = await RawHttp.connect(gateway.httpPort);
      client.write('PUT /keys/chunked HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n');
      const chunk = 'c'.repeat(600);
      client.write(`${chunk.length.toString(16)}\r\n${chunk}\r\n`);
      client.write(`${chunk.length.toString(16)}\r\n${chunk}\r\n`);
      // The body never ends: the answer comes anyway.
      const res = await client.response();
      expect(res.status).toBe(413);
      await client.waitClosed();
      expect((await fetch(url('chunked'))).status).toBe(404);
    });

    it('stores a chunked body within the limit', async () => {
      const client = await RawHttp.connect(gateway.httpPort);
      client.write('PUT /keys/chunked-ok HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n');
      client.write('3\r\nabc\r\n3\r\ndef\r\n0\r\n\r\n');
      expect((await client.response()).status).toBe(201);
      client.close();
      expect(await (await fetch(url('chunked-ok'))).text()).toBe('abcdef');
    });
  });

  describe('GET /keys/{name}', () => {
    beforeAll(async () => {
      expect((await put('greeting', 'hello there')).status).toBe(201);
    });

    it('answers 200 with the value as text/plain; charset=utf-8', async () => {
      const res = await fetch(url('greeting'));
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('text/plain; charset=utf-8');
      expect(await res.text()).toBe('hello there');
    });

    it('answers {"name","value"} when the client accepts application/json', async () => {
      const res = await fetch(url('greeting'), { headers: { Accept: 'application/json' } });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('application/json');
      expect(await res.json()).toEqual({ name: 'greeting', value: 'hello there' });
    });

    it('answers 404 with a problem when the name is absent', async () => {
      await expectProblem(await fetch(url('nobody')), 404, 'not_found');
    });

    it('answers 400 to a bad name', async () => {
      await expectProblem(await fetch(url('a%zz')), 400, 'bad_name');
    });
  });

  describe('HEAD /keys/{name}', () => {
    it('answers 200 when the name is present and 404 when it is absent', async () => {
      expect((await put('head-me', 'x')).status).toBe(201);
      expect((await fetch(url('head-me'), { method: 'HEAD' })).status).toBe(200);
      expect((await fetch(url('head-nobody'), { method: 'HEAD' })).status).toBe(404);
    });
  });

  describe('names', () => {
    it('percent-decodes the name: what REST stores under a%2Fb%3F is a/b? over TCP', async () => {
      expect((await put('a%2Fb%3F', 'decoded')).status).toBe(201);
      const tcp = await LineClient.connect(gateway.tcpPort);
      expect(await tcp.request('GET a/b?')).toBe('decoded');
      tcp.close();
    });

    it('takes an unencoded slash as part of the name', async () => {
      expect((await put('x/y', 'slash')).status).toBe(201);
      expect(await (await fetch(url('x%2Fy'))).text()).toBe('slash');
    });
  });

  describe('other requests', () => {
    it('answers 405 with Allow to another method on /keys/{name}', async () => {
      const res = await fetch(url('greeting'), { method: 'DELETE' });
      expect(res.headers.get('allow')).toBe('GET, HEAD, PUT');
      await expectProblem(res, 405, 'method_not_allowed');
    });

    it('answers 404 with a problem to an unknown path', async () => {
      await expectProblem(await fetch(`${base}/nothing-here`), 404, 'no_such_route');
    });

    it('routes every /keys URL as the request target spells it: a query, dot segments, /keys alone, /keysx', async () => {
      expect((await put('routed', 'here')).status).toBe(201);
      const client = await RawHttp.connect(gateway.httpPort);
      const status = async (target: string): Promise<number> => {
        client.write(`GET ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`);
        return (await client.response()).status;
      };
      try {
        expect(await status('/keys/routed?x=1')).toBe(200);
        expect(await status('/keys/elsewhere/../routed')).toBe(200);
        expect(await status('/keys/%2e%2e/keys/routed')).toBe(200);
        expect(await status('/keys/routed/..')).toBe(400);
        expect(await status('/keys')).toBe(400);
        expect(await status('/keys?routed')).toBe(400);
        expect(await status('/keysx')).toBe(404);
        expect(await status('/healthz?probe=1')).toBe(200);
      } finally {
        client.socket.destroy();
      }
    });

    it('answers 200 on /healthz', async () => {
      expect((await fetch(`${base}/healthz`)).status).toBe(200);
    });

    it('answers 200 on /readyz while the store answers and the gateway is not draining', async () => {
      expect((await fetch(`${base}/readyz`)).status).toBe(200);
    });

    it('serves /metrics in the Prometheus text format', async () => {
      const res = await fetch(`${base}/metrics`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
      const text = await res.text();
      expect(text).toContain('# TYPE jnhp_commands_total counter');
      expect(text).toContain('# TYPE jnhp_command_duration_seconds histogram');
      expect(text).toContain('jnhp_open_connections{transport="http"}');
      expect(text).toMatch(/jnhp_validator_calls_total\{hook="[^"]+",outcome="refuse"\} \d/);
    });
  });
});

describeWithRedis('REST while the store does not answer', () => {
  let redis: RedisServer;
  let gateway: SpawnedGateway;
  let base: string;
  const status = async (path: string, init?: RequestInit): Promise<number> => {
    const res = await fetch(`${base}${path}`, init);
    await res.arrayBuffer();
    return res.status;
  };

  beforeAll(async () => {
    redis = await startRedisServer();
    gateway = await spawnGateway(['--store', 'redis', '--redis-url', redis.url, '--store-timeout-ms', '300']);
    base = `http://127.0.0.1:${gateway.httpPort}`;
  });
  afterAll(async () => {
    await gateway?.stop();
    await redis?.stop();
  });

  it('answers 503 to PUT, GET and HEAD, never 404 or 409, and /readyz turns 503 until the store is back', async () => {
    // Ready once the gateway has connected to the store.
    await expect.poll(() => status('/readyz'), { timeout: 10_000 }).toBe(200);
    expect(await status('/keys/before', { method: 'PUT', body: 'v' })).toBe(201);
    redis.pause();
    try {
      const put = await fetch(`${base}/keys/during`, { method: 'PUT', body: 'v' });
      expect(put.status).toBe(503);
      expect(await put.json()).toMatchObject({ type: 'urn:jnhp:problem:storage_unavailable', status: 503 });
      expect(await status('/keys/before', { method: 'PUT', body: 'again' })).not.toBe(201);
      const get = await fetch(`${base}/keys/unknown`);
      expect(get.status).toBe(503);
      expect(get.headers.get('content-type')).toBe('application/problem+json');
      expect(await get.json()).toMatchObject({ type: 'urn:jnhp:problem:storage_unavailable' });
      expect(await status('/keys/unknown', { method: 'HEAD' })).toBe(503);
      // SPEC 5: /readyz follows the store's reachability within a few seconds.
      await expect.poll(() => status('/readyz'), { timeout: 10_000 }).toBe(503);
      expect(await status('/healthz')).toBe(200);
    } finally {
      redis.resume();
    }
    await expect.poll(() => status('/readyz'), { timeout: 10_000 }).toBe(200);
    expect(await status('/keys/during', { method: 'PUT', body: 'v' })).toBe(201);
  });
});
