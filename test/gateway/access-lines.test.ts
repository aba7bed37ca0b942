// SPEC section 8 over the line protocol: each ACL rule, on TCP and on WebSocket.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AclFile, hash, STANDARD_ACL, TOKENS } from '../helpers/acl-file.js';
import { LineClient } from '../helpers/line-client.js';
import { type SpawnedGateway, spawnGateway } from '../helpers/spawn-gateway.js';
import { WsClient } from '../helpers/ws-client.js';

/** What a test needs of a line connection, whatever carries it. */
interface Channel {
  request(line: string): Promise<string>;
  waitClosed(): Promise<unknown>;
  readonly closed: boolean;
  close(): void;
}

type Connect = (gateway: SpawnedGateway) => Promise<Channel>;

const TRANSPORTS: [string, Connect][] = [
  ['tcp', (g) => LineClient.connect(g.tcpPort)],
  [
    'ws',
    async (g) => {
      const ws = await WsClient.connect(g.httpPort);
      return Object.assign(ws, {
        get closed() {
          return ws.closeCode !== null;
        },
      });
    },
  ],
];

const DENIED = /^ERROR permission denied/;

// Two gateways for both transports: one with the standard ACL, one without a default user.
let gateway: SpawnedGateway;
let noDefault: SpawnedGateway;

beforeAll(async () => {
  [gateway, noDefault] = await Promise.all([
    spawnGateway(['--acl-file', new AclFile(STANDARD_ACL).path]),
    spawnGateway(['--acl-file', new AclFile(`user app on ${hash(TOKENS.app)} ~* +read +write\n`).path]),
  ]);
});

afterAll(async () => {
  await Promise.all([gateway?.stop(), noDefault?.stop()]);
});

describe.each(TRANSPORTS)('the ACL over %s', (transport, connect) => {
  const open: Channel[] = [];

  const client = async (g = gateway): Promise<Channel> => {
    const c = await connect(g);
    open.push(c);
    return c;
  };

  afterAll(() => {
    for (const c of open) c.close();
  });

  it('lets default read names of its pattern, and nothing else', async () => {
    const c = await client();
    expect(await c.request('GET public/none')).toBe('');
    expect(await c.request('EXISTS public/none')).toBe('RARGH!');
    expect(await c.request('GET secret')).toBe("ERROR permission denied: user 'default' may not read 'secret'");
    expect(await c.request('EXISTS secret')).toMatch(DENIED);
  });

  it('denies a STORE default may not run with ERROR permission denied, never RARGH!', async () => {
    const c = await client();
    expect(await c.request(`STORE public/${transport}-x v`)).toBe(
      `ERROR permission denied: user 'default' may not write 'public/${transport}-x'`,
    );
    expect(await c.request(`GET public/${transport}-x`)).toBe('');
  });

  it('acts as the token user after AUTH W00T!', async () => {
    const c = await client();
    expect(await c.request(`AUTH ${TOKENS.app}`)).toBe('W00T!');
    expect(await c.request(`STORE app/${transport}-a hello`)).toBe('W00T!');
    expect(await c.request(`GET app/${transport}-a`)).toBe('hello');
    expect(await c.request(`STORE secret/${transport}-a hello`)).toMatch(DENIED);
    const reader = await client();
    expect(await reader.request(`AUTH ${TOKENS.reader}`)).toBe('W00T!');
    expect(await reader.request(`GET app/${transport}-a`)).toBe('hello');
    expect(await reader.request(`STORE app/${transport}-b v`)).toBe(
      `ERROR permission denied: user 'reader' may not write 'app/${transport}-b'`,
    );
  });

  it('answers RARGH! to an unknown token and leaves the connection as it was', async () => {
    const c = await client();
    expect(await c.request(`AUTH ${TOKENS.bad}`)).toBe('RARGH!');
    expect(await c.request('GET public/none')).toBe('');
    expect(await c.request('GET secret')).toMatch(DENIED);
  });

  it('answers RARGH! to the token of a user that is off', async () => {
    const c = await client();
    expect(await c.request(`AUTH ${TOKENS.gone}`)).toBe('RARGH!');
    expect(await c.request('GET secret')).toMatch(DENIED);
  });

  it('closes the connection after 10 failed AUTHs', async () => {
    const c = await client();
    for (let i = 0; i < 9; i++) expect(await c.request(`AUTH guess-${i}`)).toBe('RARGH!');
    expect(c.closed).toBe(false);
    expect(await c.request('AUTH guess-9')).toBe('RARGH!');
    await c.waitClosed();
  });

  it('without a default user lets a client only PING, AUTH and QUIT until it authenticates', async () => {
    const c = await client(noDefault);
    expect(await c.request('PING')).toBe('PONG');
    expect(await c.request('GET a')).toBe('ERROR permission denied: authenticate first (AUTH <token>)');
    expect(await c.request('STORE a v')).toMatch(DENIED);
    expect(await c.request(`AUTH ${TOKENS.app}`)).toBe('W00T!');
    expect(await c.request(`STORE ${transport}-a v`)).toBe('W00T!');
    const other = await client(noDefault);
    other.request('QUIT').catch(() => {});
    await other.waitClosed();
  });
});
