// npm run bench: every benchmark, one after another, printed as a table.
// BENCH_SECONDS, BENCH_CONNECTIONS and BENCH_DEPTH change the run.

import { accessBench } from './access-bench.js';
import { attackBench } from './attack-bench.js';
import { clusterBench } from './cluster-bench.js';
import { httpBench } from './http-bench.js';
import { redisBench } from './redis-bench.js';
import { tcpBench } from './tcp-bench.js';
import { validatorBench } from './validator-bench.js';

const settings = {
  connections: Number(process.env.BENCH_CONNECTIONS ?? 50),
  depth: Number(process.env.BENCH_DEPTH ?? 16),
  warmupMs: 1000,
  durationMs: Number(process.env.BENCH_SECONDS ?? 3) * 1000,
  rounds: Number(process.env.BENCH_ROUNDS ?? 3),
};

console.log(
  `node ${process.version}, ${settings.durationMs / 1000} s per figure after 1 s warm-up; ceiling and GET: best of ${settings.rounds} alternating rounds`,
);
for (const line of await tcpBench(settings)) console.log(line);
// HTTP and WebSocket: one request in flight per connection (BENCH_DEPTH does not apply); every figure best of the rounds.
for (const line of await httpBench(settings)) console.log(line);
// Access control: TCP GET authenticated under an ACL of 1,000 users, REST GET with a bearer token, each beside no ACL.
if (process.env.BENCH_ACCESS !== '0') for (const line of await accessBench(settings)) console.log(line);
// Validation hooks: STOREs per second through each kind, and GET latency beside a slow hook.
for (const line of await validatorBench(settings)) console.log(line);
// SPEC section 7 under attack: memory growth and control clients' p99 (TCP, WebSocket, REST), loaded beside unloaded.
if (process.env.BENCH_ATTACKS !== '0') for (const line of await attackBench()) console.log(line);
// Redis store: 1 and 3 gateways on one test-started redis-server, beside redis-benchmark on it.
for (const line of await redisBench(settings)) console.log(line);
// The compose topology as local processes: TCP GET through HAProxy to 1, 2 and 3 gateways ("cpu server": all of them, HAProxy and Redis).
if (process.env.BENCH_CLUSTER !== '0') for (const line of await clusterBench(settings)) console.log(line);
