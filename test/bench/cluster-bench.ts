// TCP GET through HAProxy to 1, 2 and 3 gateways on one Redis (the local
// cluster, deploy/cluster): how the topology scales on this machine.

import { startLocalCluster } from '../../deploy/cluster/local-cluster.js';
import { runLoad } from './load-generator.js';
import { type BenchSettings, formatResult, getCommands, KEYS, preload } from './tcp-bench.js';

export async function clusterBench(s: BenchSettings): Promise<string[]> {
  const lines: string[] = [];
  for (const gateways of [1, 2, 3]) {
    const cluster = await startLocalCluster({ gateways });
    try {
      await preload(cluster.tcpPort, KEYS);
      const pids = [cluster.haproxyPid, cluster.redisPid];
      for (let i = 0; i < gateways; i++) pids.push(cluster.gatewayPid(i));
      const result = await runLoad({
        connections: s.connections,
        depth: s.depth,
        warmupMs: s.warmupMs,
        durationMs: s.durationMs,
        port: cluster.tcpPort,
        commands: getCommands(),
        watchPids: pids,
      });
      lines.push(formatResult(`haproxy → ${gateways} gateway(s), redis: GET c=${s.connections} d=${s.depth}`, result));
    } finally {
      await cluster.stop();
    }
  }
  return lines;
}
