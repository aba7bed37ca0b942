// npm run bench: every benchmark, one after another, printed as a table.
// BENCH_SECONDS, BENCH_CONNECTIONS and BENCH_DEPTH change the run.

import { accessBench } from './access-bench.js';
import { attackBench } from './attack-bench.js';
import { clientBench } from './client-bench.js';
import { clusterBench } from './cluster-bench.js';
import { fileStoreBench } from './file-store-bench.js';
import { httpBench } from './http-bench.js';
import { ratioTable } from './ratios.js';
import { redisBench } from './redis-bench.js';
import { restRedisBench } from './rest-redis-bench.js';
import { tcpBench } from './tcp-bench.js';
import { tlsBench } from './tls-bench.js';
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
/** BENCH_ONLY=tcp,tls,http,access,client,validators,attacks,redis,file,rest-redis,cluster runs only those sections (default: all). */
const only = process.env.BENCH_ONLY?.split(',');
const runs = (section: string): boolean => only === undefined || only.includes(section);
if (runs('tcp')) for (const line of await tcpBench(settings)) console.log(line);
// JNHP over TLS beside plaintext on one gateway (BENCH_TLS=0 skips it; needs openssl).
if (runs('tls') && process.env.BENCH_TLS !== '0') for (const line of await tlsBench(settings)) console.log(line);
// HTTP and WebSocket: one request in flight per connection (BENCH_DEPTH does not apply); every figure best of the rounds.
if (runs('http')) for (const line of await httpBench(settings)) console.log(line);
// Access control: TCP GET authenticated under an ACL of 1,000 users, REST GET with a bearer token, each beside no ACL.
if (runs('access') && process.env.BENCH_ACCESS !== '0')
  for (const line of await accessBench(settings)) console.log(line);
// The client library in this process and `jnhp --pipe` (BENCH_CLIENT=0 skips it; BENCH_PIPE_STORES sizes the import).
if (runs('client') && process.env.BENCH_CLIENT !== '0')
  for (const line of await clientBench(settings)) console.log(line);
// Validation hooks: STOREs per second through each kind, and GET latency beside a slow hook.
if (runs('validators')) for (const line of await validatorBench(settings)) console.log(line);
// SPEC section 7 under attack: memory growth and control clients' p99 (TCP, WebSocket, REST), loaded beside unloaded.
if (runs('attacks')) for (const line of await attackBench()) console.log(line);
// Redis store: 1 and 3 gateways on one test-started redis-server, beside redis-benchmark on it.
if (runs('redis')) for (const line of await redisBench(settings)) console.log(line);
// File store: fresh STOREs beside the Redis store on appendfsync always, GET beside memory, read-back of 1,000,000 names (BENCH_FILE=0 skips it).
if (runs('file') && process.env.BENCH_FILE !== '0')
  for (const line of await fileStoreBench(settings)) console.log(line);
// REST on the Redis store beside Webdis on the same Redis (skipped, and said, when Webdis is not installed).
if (runs('rest-redis')) for (const line of await restRedisBench(settings)) console.log(line);
// The compose topology as local processes: TCP GET through HAProxy to 1, 2 and 3 gateways ("cpu server": all of them, HAProxy and Redis).
if (runs('cluster') && process.env.BENCH_CLUSTER !== '0')
  for (const line of await clusterBench(settings)) console.log(line);
// Issue 10's goals: every gateway figure over its ceiling of the same run.
for (const line of ratioTable()) console.log(line);
