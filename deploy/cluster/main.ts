// deploy/local-cluster: runs the compose topology as local processes until
// SIGINT or SIGTERM, then stops every one of them by PID.

import { parseArgs } from 'node:util';
import { startLocalCluster } from './local-cluster.js';

/** One line on stderr and exit code 2, like the gateway's own flags. */
function usageError(message: string): never {
  process.stderr.write(`local-cluster: ${message}\n`);
  process.exit(2);
}

let values: { gateways: string; 'tcp-port': string; 'http-port': string };
try {
  ({ values } = parseArgs({
    options: {
      gateways: { type: 'string', default: '3' },
      'tcp-port': { type: 'string', default: '8111' },
      'http-port': { type: 'string', default: '8080' },
    },
    strict: true,
  }));
} catch (err) {
  usageError(`${(err as Error).message} (flags: --gateways N, --tcp-port PORT, --http-port PORT)`);
}

function wholeNumber(flag: string, min: number, max: number): number {
  const text = values[flag as keyof typeof values];
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < min || n > max)
    usageError(`--${flag} takes a whole number from ${min} to ${max}, not '${text}'`);
  return n;
}

const gateways = wholeNumber('gateways', 1, 200);
const tcpPort = wholeNumber('tcp-port', 0, 65535);
const httpPort = wholeNumber('http-port', 0, 65535);

const cluster = await startLocalCluster({
  gateways,
  tcpPort,
  httpPort,
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
