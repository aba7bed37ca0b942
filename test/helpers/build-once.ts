// vitest globalSetup: compiles the sources into dist/ once before any test,
// so that tests spawn the same gateway a user runs. Type errors are reported
// but do not stop the run (tsc still emits); `npm run lint` fails on them.

import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { repoRoot } from './repo-root.js';

export default function buildOnce(): void {
  const root = repoRoot();
  const tsc = path.join(root, 'node_modules', 'typescript', 'bin', 'tsc');
  const result = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: root, encoding: 'utf8' });
  if (result.status !== 0) process.stderr.write(`build-once: tsc reported problems:\n${result.stdout}${result.stderr}`);
}
