// vitest globalSetup: compiles the sources into dist/ once before any test,
// so that tests spawn the same gateway a user runs.

import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { repoRoot } from './repo-root.js';

export default function buildOnce(): void {
  const root = repoRoot();
  execFileSync(process.execPath, [path.join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json'], {
    cwd: root,
    stdio: 'inherit',
  });
}
