import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The checkout's top folder, from the TypeScript sources or from their build in dist/. */
export function repoRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!existsSync(path.join(dir, 'package.json'))) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error('package.json not found above test/helpers');
    dir = parent;
  }
  return dir;
}

/** The built gateway; JNHP_GATEWAY_BIN runs the tests against another build (an earlier one, to compare). */
export const gatewayBin = (): string =>
  process.env.JNHP_GATEWAY_BIN || path.join(repoRoot(), 'dist', 'gateway', 'main.js');
