// vitest globalSetup: compiles the sources into dist/ once before any test,
// so that tests spawn the same gateway a user runs, and bundles the browser
// client as `npm run build` does. Type errors are reported but do not stop
// the run (tsc still emits); `npm run lint` fails on them.

import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { repoRoot } from './repo-root.js';

export default function buildOnce(): void {
  const root = repoRoot();
  const tsc = path.join(root, 'node_modules', 'typescript', 'bin', 'tsc');
  const result = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: root, encoding: 'utf8' });
  if (result.status !== 0) process.stderr.write(`build-once: tsc reported problems:\n${result.stdout}${result.stderr}`);
  // The same esbuild command line as package.json's build:browser.
  const scripts = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')).scripts as Record<string, string>;
  const args = (scripts['build:browser'] as string).split(' ').slice(1);
  const esbuild = path.join(root, 'node_modules', '.bin', 'esbuild');
  const bundled = spawnSync(esbuild, args, { cwd: root, encoding: 'utf8' });
  if (bundled.status !== 0) throw new Error(`build-once: esbuild failed:\n${bundled.stdout}${bundled.stderr}`);
}
