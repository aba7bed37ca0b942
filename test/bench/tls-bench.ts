// TCP GET over TLS (--tls-port) beside plaintext (--tcp-port) on one gateway:
// what TLS costs the line protocol once connections are open.

import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnGateway } from '../helpers/spawn-gateway.js';
import { TestCa } from '../helpers/tls-certs.js';
import { type LoadResult, runLoad } from './load-generator.js';
import { type BenchSettings, formatResult, getCommands, KEYS, preload, VALUE } from './tcp-bench.js';

export async function tlsBench(s: BenchSettings): Promise<string[]> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'jnhp-bench-tls-'));
  const ca = await TestCa.create(dir);
  const server = await ca.issue();
  const gateway = await spawnGateway(['--tls-cert', server.certFile, '--tls-key', server.keyFile, '--tls-port', '0']);
  try {
    await preload(gateway.tcpPort, KEYS);
    const value = Buffer.from(VALUE);
    const load = {
      connections: s.connections,
      depth: s.depth,
      warmupMs: s.warmupMs,
      durationMs: s.durationMs,
      watchPids: [gateway.pid],
      expect: (b: Buffer, start: number, end: number) =>
        end - start === value.length && b.compare(value, 0, value.length, start, end) === 0,
    };
    // Rounds alternate between the two ports so that both see the same machine.
    let plain: LoadResult | null = null;
    let secure: LoadResult | null = null;
    for (let round = 0; round < s.rounds; round++) {
      const p = await runLoad({ ...load, port: gateway.tcpPort, commands: getCommands() });
      if (plain === null || p.opsPerSecond > plain.opsPerSecond) plain = p;
      const t = await runLoad({
        ...load,
        port: gateway.tlsPort as number,
        commands: getCommands(),
        tls: { ca: ca.ca },
      });
      if (secure === null || t.opsPerSecond > secure.opsPerSecond) secure = t;
    }
    const label = (what: string): string => `tcp ${what} c=${s.connections} d=${s.depth}`;
    const base = plain as LoadResult;
    const share = (100 * (secure as LoadResult).opsPerSecond) / base.opsPerSecond;
    return [
      formatResult(label('GET plaintext (memory)'), base),
      `${formatResult(label('GET over TLS, --tls-port (memory)'), secure as LoadResult)}  ${share.toFixed(0)}% of plaintext`,
    ];
  } finally {
    await gateway.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
