// Validated STOREs of one connection validated side by side, applied and
// answered in order (SPEC section 1, "Order and concurrency";
// docs/validators.md), through real sockets and a helper the test answers by
// hand.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AclFile, hash, TOKENS } from '../helpers/acl-file.js';
import { LineClient } from '../helpers/line-client.js';
import { RelayedHelper } from '../helpers/relayed-helper.js';
import { type SpawnedGateway, spawnGateway } from '../helpers/spawn-gateway.js';
import { logAfter } from '../helpers/validator-fixtures.js';

const ACL = `user default on nopass ~* +read +write
user app on ${hash(TOKENS.app)} ~* +read +write
`;

async function start(...args: string[]): Promise<{ gateway: SpawnedGateway; helper: RelayedHelper }> {
  const helper = await RelayedHelper.start();
  const gateway = await spawnGateway(['--validator', helper.spec, '--validator-helpers', '1', ...args]);
  return { gateway, helper };
}

describe('pipelined STOREs through a validator with free slots', () => {
  let gateway: SpawnedGateway;
  let helper: RelayedHelper;
  let client: LineClient;
  let other: LineClient;
  beforeAll(async () => {
    ({ gateway, helper } = await start('--acl-file', new AclFile(ACL).path));
    client = await LineClient.connect(gateway.tcpPort);
    other = await LineClient.connect(gateway.tcpPort);
  });
  afterAll(async () => {
    client?.close();
    other?.close();
    await gateway?.stop();
    await helper?.close();
  });

  it('are validated side by side and answered in command order', async () => {
    const from = helper.requests.length;
    client.send('STORE s-a 1\r\nSTORE s-b 2\r\nSTORE s-c 3\r\n');
    await helper.waitForNames(from + 3);
    expect(helper.inFlight).toEqual(['s-a', 's-b', 's-c']);
    helper.answer('s-c');
    helper.answer('s-b', 0);
    helper.answer('s-a');
    expect(await client.readLines(3)).toEqual(['W00T!', 'RARGH!', 'W00T!']);
  });

  it('are applied in order: a later STORE validated first stays invisible to others until the earlier one is applied', async () => {
    const from = helper.requests.length;
    const logs = gateway.logs.length;
    client.send('STORE o-first 1\r\nSTORE o-second 2\r\n');
    await helper.waitForNames(from + 2);
    // The marker line after the answer is logged once the gateway has read that answer.
    helper.answer('o-second', 1, 'marker\n');
    await logAfter(gateway, logs, (l) => l.msg === 'helper line ignored' && l.line === 'marker');
    expect(await other.request('GET o-second')).toBe('');
    expect(await other.request('EXISTS o-second')).toBe('RARGH!');
    helper.answer('o-first');
    expect(await client.readLines(2)).toEqual(['W00T!', 'W00T!']);
    expect(await other.request('GET o-first')).toBe('1');
    expect(await other.request('GET o-second')).toBe('2');
  });

  it('make a later GET or EXISTS of the connection wait until they are applied', async () => {
    const from = helper.requests.length;
    client.send('STORE r-a 1\r\nSTORE r-b 2\r\nGET r-b\r\nEXISTS r-a\r\nPING\r\n');
    await helper.waitForNames(from + 2);
    helper.answer('r-b');
    helper.answer('r-a');
    expect(await client.readLines(5)).toEqual(['W00T!', 'W00T!', '2', 'AWESOME!', 'PONG']);
  });

  it('validate a name stored twice in one pipeline once: the second is RARGH!', async () => {
    const from = helper.requests.length;
    client.send('STORE twice 1\r\nSTORE twice 2\r\nSTORE once 3\r\n');
    await helper.waitForNames(from + 1);
    expect(helper.inFlight).toEqual(['twice']);
    helper.answer('twice');
    await helper.waitForNames(from + 2);
    helper.answer('once');
    expect(await client.readLines(3)).toEqual(['W00T!', 'RARGH!', 'W00T!']);
    expect(helper.names.filter((n) => n === 'twice')).toHaveLength(1);
    expect(await other.request('GET twice')).toBe('1');
  });

  it('give a STORE after AUTH the new user, and the STOREs before it the old one', async () => {
    const from = helper.requests.length;
    client.send(`STORE u-before 1\r\nAUTH ${TOKENS.app}\r\nSTORE u-after 2\r\n`);
    await helper.waitForNames(from + 1);
    helper.answer('u-before');
    await helper.waitForNames(from + 2);
    helper.answer('u-after');
    expect(await client.readLines(3)).toEqual(['W00T!', 'W00T!', 'W00T!']);
    const users = helper.requests.slice(from).map((r) => `${r.name}:${r.user}`);
    expect(users).toEqual(['u-before:default', 'u-after:app']);
  });
});

describe('pipelined STOREs through a busy validator', () => {
  let gateway: SpawnedGateway;
  let helper: RelayedHelper;
  beforeAll(async () => {
    ({ gateway, helper } = await start('--validator-concurrency', '1'));
  });
  afterAll(async () => {
    await gateway?.stop();
    await helper?.close();
  });

  it('never queue: another connection waiting for the slot is validated before the second STORE', async () => {
    const first = await LineClient.connect(gateway.tcpPort);
    const second = await LineClient.connect(gateway.tcpPort);
    try {
      first.send('STORE q-a 1\r\nSTORE q-b 2\r\n');
      await helper.waitForNames(1);
      // PONG is written after the STORE behind it went to the queue (the same turn of the gateway).
      expect(await second.request('PING\r\nSTORE q-c 3')).toBe('PONG');
      helper.answer('q-a');
      await helper.waitForNames(2);
      expect(helper.names).toEqual(['q-a', 'q-c']);
      helper.answer('q-c');
      await helper.waitForNames(3);
      helper.answer('q-b');
      expect(await first.readLines(2)).toEqual(['W00T!', 'W00T!']);
      expect(await second.readLine()).toBe('W00T!');
      expect(helper.names).toEqual(['q-a', 'q-c', 'q-b']);
    } finally {
      first.close();
      second.close();
    }
  });
});
