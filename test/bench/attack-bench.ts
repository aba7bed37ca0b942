// SPEC section 7 under attack: for each hostile load, the gateway's memory
// growth (peak VmHWM over the RSS before) and a control client's latency,
// loaded beside unloaded. BENCH_GATEWAY_BIN runs another build (to compare
// before and after a change); BENCH_ATTACKS=0 skips this section.

import {
  type Flood,
  latencies,
  oneByteChunkedPuts,
  oneBytePerPacket,
  pingBatches,
  pingsNeverRead,
  quantile,
} from '../helpers/floods.js';
import { LineClient } from '../helpers/line-client.js';
import { MB, memoryOf } from '../helpers/proc-memory.js';
import { type SpawnedGateway, spawnGateway } from '../helpers/spawn-gateway.js';
import { WsClient } from '../helpers/ws-client.js';

const PROBES = 200;

interface Control {
  readonly name: string;
  request(): Promise<unknown>;
  close(): void;
}

async function controls(gateway: SpawnedGateway): Promise<Control[]> {
  const tcp = await LineClient.connect(gateway.tcpPort);
  const ws = await WsClient.connect(gateway.httpPort);
  const url = `http://127.0.0.1:${gateway.httpPort}/keys/warm-up`;
  return [
    { name: 'tcp', request: () => tcp.request('PING', 60_000), close: () => tcp.close() },
    { name: 'ws', request: () => ws.request('PING', 60_000), close: () => ws.close() },
    { name: 'rest', request: async () => (await fetch(url)).text(), close: () => {} },
  ];
}

const ms = (n: number): string => (n < 10 ? n.toFixed(2) : n.toFixed(0));

/** One attack on a fresh gateway: memory growth and every control's p50/p99, unloaded then loaded. */
async function attack(
  label: string,
  start: (g: SpawnedGateway) => Promise<Flood>,
  settle?: (f: Flood) => boolean,
): Promise<string> {
  const gateway = await spawnGateway([], { bin: process.env.BENCH_GATEWAY_BIN || undefined });
  const probes = await controls(gateway);
  let flood: Flood | null = null;
  try {
    await probes[0]?.request();
    await probes[0]?.request.call(null);
    const tcp = await LineClient.connect(gateway.tcpPort);
    await tcp.request('STORE warm-up v');
    tcp.close();
    const unloaded = new Map<string, number[]>();
    for (const p of probes) unloaded.set(p.name, await latencies(PROBES / 4, () => p.request()));
    const before = memoryOf(gateway.pid);
    flood = await start(gateway);
    const settleBy = Date.now() + 20_000;
    while (settle !== undefined && !settle(flood) && Date.now() < settleBy) await new Promise((r) => setTimeout(r, 50));
    const loaded = new Map<string, number[]>();
    for (const p of probes) loaded.set(p.name, await latencies(PROBES, () => p.request()));
    const after = memoryOf(gateway.pid);
    const lat = probes
      .map((p) => {
        const u = unloaded.get(p.name) as number[];
        const l = loaded.get(p.name) as number[];
        return `${p.name} p99 ${ms(quantile(l, 0.99))} ms (unloaded ${ms(quantile(u, 0.99))})`;
      })
      .join(', ');
    return `${label.padEnd(52)} +${((after.hwm - before.rss) / MB).toFixed(0).padStart(4)} MB peak  ${lat}`;
  } catch (err) {
    return `${label.padEnd(52)} failed: ${(err as Error).message}`;
  } finally {
    flood?.stop();
    for (const p of probes) p.close();
    await gateway.stop('SIGKILL');
  }
}

export async function attackBench(): Promise<string[]> {
  const rows: string[] = [];
  rows.push(
    await attack('20 REST PUTs of 65,000 one-byte chunks, unfinished', (g) =>
      oneByteChunkedPuts(g.httpPort, 20, 65_000),
    ),
  );
  rows.push(
    await attack(
      '40 TCP clients flooding PING, never reading',
      (g) => pingsNeverRead('tcp', g.tcpPort, 40),
      (f) => f.allBlocked,
    ),
  );
  rows.push(
    await attack(
      '5 WebSocket clients flooding PING, never reading',
      (g) => pingsNeverRead('ws', g.httpPort, 5),
      (f) => f.allBlocked,
    ),
  );
  rows.push(
    await attack('20 TCP lines of 20,000 bytes, one byte per packet', (g) => oneBytePerPacket(g.tcpPort, 20, 20_000)),
  );
  rows.push(await attack('20 TCP clients flooding PING, reading', (g) => pingBatches('tcp', g.tcpPort, 20, 4096)));
  rows.push(
    await attack('20 WebSocket clients flooding PING, reading', (g) => pingBatches('ws', g.httpPort, 20, 4096)),
  );
  rows.push(
    await attack('20 TCP + 20 WebSocket clients flooding PING, reading', async (g) => {
      const tcp = await pingBatches('tcp', g.tcpPort, 20, 4096);
      const ws = await pingBatches('ws', g.httpPort, 20, 4096);
      return {
        sockets: [...tcp.sockets, ...ws.sockets],
        allBlocked: false,
        batchMillis: [],
        stop: () => {
          tcp.stop();
          ws.stop();
        },
      };
    }),
  );
  return rows;
}

if (process.argv[1]?.endsWith('attack-bench.js')) for (const row of await attackBench()) console.log(row);
