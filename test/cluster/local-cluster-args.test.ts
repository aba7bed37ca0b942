// deploy/local-cluster refuses bad flags as the gateway does: one line, exit 2.

import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { expect, it } from 'vitest';
import { repoRoot } from '../helpers/repo-root.js';
import { describeWithTools } from '../helpers/require-tools.js';

const script = path.join(repoRoot(), 'deploy', 'local-cluster');

describeWithTools(['redis-server', 'haproxy'], 'deploy/local-cluster flags', () => {
  it('answers an unknown flag and a port that is not a number with one line and exit code 2', () => {
    for (const args of [['--bogus'], ['--tcp-port', 'abc'], ['--gateways', '0']]) {
      const run = spawnSync(script, args, { encoding: 'utf8', timeout: 60_000 });
      expect(run.status, args.join(' ')).toBe(2);
      const lines = run.stderr.trimEnd().split('\n');
      expect(lines, args.join(' ')).toHaveLength(1);
      expect(lines[0]).toMatch(/^local-cluster: /);
    }
  }, 120_000);
});
