import { spawnSync } from 'node:child_process';
import { describe, it } from 'vitest';

export const hasTool = (tool: string, versionFlag = '-v'): boolean => spawnSync(tool, [versionFlag]).status === 0;

/** Whether `tool` is an executable on PATH (without running it: not every tool has a version flag). */
export const onPath = (tool: string): boolean => spawnSync('sh', ['-c', 'command -v "$0"', tool]).status === 0;

/**
 * `describe` for suites that need programs from Debian's packages: skipped
 * with a loud warning where one is missing, failed instead when
 * JNHP_REQUIRE_REDIS=1 (CI installs them all).
 */
export function describeWithTools(tools: readonly string[], name: string, body: () => void): void {
  const missing = tools.filter((tool) => !onPath(tool));
  if (missing.length === 0) {
    describe(name, body);
  } else if (process.env.JNHP_REQUIRE_REDIS === '1') {
    describe(name, () => {
      it(`finds ${missing.join(' and ')} on PATH`, () => {
        throw new Error(`${missing.join(', ')} not on PATH, and JNHP_REQUIRE_REDIS=1 requires every suite to run`);
      });
    });
  } else {
    console.warn(
      `\n**** WARNING: ${missing.join(', ')} not on PATH: SKIPPING "${name}" (apt-get install ${missing.join(' ')}). ****\n`,
    );
    describe.skip(name, body);
  }
}
