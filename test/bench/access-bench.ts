// What access control costs the hot path: TCP GET authenticated as a user
// with 10 patterns in an ACL of 1,000 users, and REST GET with a bearer
// token, each beside the same load on a gateway without an ACL (the ratio).
// BENCH_ACCESS=0 skips it.

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { hashToken } from '../../core/access/token.js';
import { spawnGateway } from '../helpers/spawn-gateway.js';
import { type LoadResult, runLoad } from './load-generator.js';
import { httpReader, openPlain, runRoundTrips } from './round-trip-load.js';
import { type BenchSettings, formatResult, getCommands, KEYS, keyName, preload, VALUE } from './tcp-bench.js';

const TOKEN = 'bench-token-7c1e5a9d3b';
const USERS = 1000;

/** 999 other users, and `bench` whose tenth pattern is the one that matches the names. */
function aclText(): string {
  const lines = ['user default off'];
  for (let i = 0; i < USERS - 1; i++) {
    lines.push(`user u${i} on #${hashToken(`token-${i}`)} ~u${i}/* ~shared/${i}-* ~x*y +read +write`);
  }
  const patterns = Array.from({ length: 9 }, (_, i) => `~app${i}/*`).join(' ');
  lines.push(`user bench on #${hashToken(TOKEN)} ${patterns} ~key* +read +write`);
  return `${lines.join('\n')}\n`;
}

/** Throughput, and throughput per server core (steadier when other processes share the CPU), against `base`. */
const ratio = (r: LoadResult, base: LoadResult): string => {
  const perCore = (x: LoadResult): number => x.opsPerSecond / Math.max(x.serverCores, 0.01);
  const pct = (a: number, b: number): string => `${((100 * a) / b).toFixed(0)}%`;
  return `${pct(r.opsPerSecond, base.opsPerSecond)} of the same without an ACL (per server core: ${pct(perCore(r), perCore(base))})`;
};

export async function accessBench(s: BenchSettings): Promise<string[]> {
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'jnhp-bench-acl-')), 'acl');
  writeFileSync(file, aclText());
  const open = await spawnGateway();
  const guarded = await spawnGateway(['--acl-file', file]);
  try {
    const auth = `AUTH ${TOKEN}\r\n`;
    await preload(open.tcpPort, KEYS);
    await preload(guarded.tcpPort, KEYS, auth);
    const value = Buffer.from(VALUE);
    const expect = (b: Buffer, start: number, end: number): boolean =>
      end - start === value.length && b.compare(value, 0, value.length, start, end) === 0;
    const tcp = { connections: s.connections, depth: s.depth, warmupMs: s.warmupMs, durationMs: s.durationMs };
    let tcpOpen: LoadResult | null = null;
    let tcpAcl: LoadResult | null = null;
    let restOpen: LoadResult | null = null;
    let restAcl: LoadResult | null = null;
    const best = (a: LoadResult | null, b: LoadResult): LoadResult =>
      a === null || b.opsPerSecond > a.opsPerSecond ? b : a;
    const requests = (headers: string): Buffer[] =>
      Array.from({ length: KEYS }, (_, i) =>
        Buffer.from(`GET /keys/${keyName((i * 7919) % KEYS)} HTTP/1.1\r\nHost: 127.0.0.1\r\n${headers}\r\n`),
      );
    const cycling = (all: Buffer[]) => {
      const next: number[] = [];
      return (conn: number): Buffer => {
        const at = next[conn] ?? (conn * 7) % all.length;
        next[conn] = (at + 1) % all.length;
        return all[at] as Buffer;
      };
    };
    const rest = { connections: s.connections, warmupMs: s.warmupMs, durationMs: s.durationMs, open: openPlain };
    // Rounds alternate between the two gateways so that both see the same machine.
    for (let round = 0; round < s.rounds; round++) {
      tcpOpen = best(
        tcpOpen,
        await runLoad({ ...tcp, port: open.tcpPort, commands: getCommands(), expect, watchPids: [open.pid] }),
      );
      tcpAcl = best(
        tcpAcl,
        await runLoad({
          ...tcp,
          port: guarded.tcpPort,
          commands: getCommands(),
          expect,
          watchPids: [guarded.pid],
          preamble: { bytes: Buffer.from(auth), replies: 1 },
        }),
      );
      restOpen = best(
        restOpen,
        await runRoundTrips({
          ...rest,
          port: open.httpPort,
          request: cycling(requests('')),
          reader: httpReader(200),
          watchPids: [open.pid],
        }),
      );
      restAcl = best(
        restAcl,
        await runRoundTrips({
          ...rest,
          port: guarded.httpPort,
          request: cycling(requests(`Authorization: Bearer ${TOKEN}\r\n`)),
          reader: httpReader(200),
          watchPids: [guarded.pid],
        }),
      );
    }
    const t = `c=${s.connections} d=${s.depth}`;
    const c = `c=${s.connections}`;
    const tcpAclResult = tcpAcl as LoadResult;
    const restAclResult = restAcl as LoadResult;
    return [
      formatResult(`tcp GET without an ACL ${t}`, tcpOpen as LoadResult),
      formatResult(`tcp GET, AUTH as 10 patterns, ACL 1000 ${t}`, tcpAclResult),
      `  ${ratio(tcpAclResult, tcpOpen as LoadResult)} (goal: at least 95%)`,
      formatResult(`http GET without an ACL ${c}`, restOpen as LoadResult),
      formatResult(`http GET, bearer token, ACL 1000 ${c}`, restAclResult),
      `  ${ratio(restAclResult, restOpen as LoadResult)} (goal: at least 90%)`,
    ];
  } finally {
    await Promise.all([open.stop(), guarded.stop()]);
  }
}
