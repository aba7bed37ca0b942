// deploy/local-cluster: runs the compose topology as local processes until
// SIGINT or SIGTERM, then stops every one of them by PID.

import { parseArgs } from 'node:util';
import { startLocalCluster } from './local-cluster.js';

const { values } = parseArgs({
  options: {
    gateways: { type: 'string', default: '3' },
    'tcp-port': { type: 'string', default: '8111' },
    'http-port': { type: 'string', default: '8080' },
  },
  strict: true,
});
const gateways = Number(values.gateways);
if (!Number.isInteger(gateways) || gateways < 1 || gateways > 200) {
  process.stderr.write('local-cluster: --gateways takes a whole number from 1 to 200\n');
  process.exit(2);
}

const cluster = await startLocalCluster({
  gateways,
  tcpPort: Number(values['tcp-port']),
  httpPort: Number(values['http-port']),
  log: (line) => process.stdout.write(`local-cluster: ${line}\n`),
});
process.stdout.write(
  `local-cluster: ready: JNHP on 127.0.0.1:${cluster.tcpPort}, REST/WebSocket on 127.0.0.1:${cluster.httpPort}, HAProxy stats on http://127.0.0.1:${cluster.statsPort}/stats\n`,
);
const stop = (): void => {
  process.stdout.write('local-cluster: stopping\n');
  cluster.stop().then(() => process.exit(0));
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
