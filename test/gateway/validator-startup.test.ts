import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../gateway/config.js';
import { startValidationHooks } from '../../gateway/validation-hooks.js';
import { gatewayBin } from '../helpers/repo-root.js';
import { fixture } from '../helpers/validator-fixtures.js';

/** Runs the built gateway with `args`; it must stop on its own. */
function run(args: string[]): { status: number | null; stderr: string; stdout: string } {
  const result = spawnSync(process.execPath, [gatewayBin(), '--tcp-port', '0', '--http-port', '0', ...args], {
    encoding: 'utf8',
    timeout: 10_000,
  });
  return { status: result.status, stderr: result.stderr, stdout: result.stdout };
}

describe('a validator that cannot work', () => {
  it.each([
    [['--validator', 'nope:x'], 'unknown kind of validator'],
    [['--validator', 'exec:'], 'needs a PROGRAM'],
    [['--validator', 'exec:/no/such/program --flag'], "'/no/such/program' is not an executable file"],
    [['--validator', 'exec:no-such-program-anywhere'], 'is not an executable on PATH'],
    [['--validator', 'module:./no/such/module.mjs'], 'no such file'],
    [['--validator', `module:${fixture('decide-module.cjs')}#nope`], "no export 'nope'"],
    [['--validator', `worker:${fixture('decide-worker.mjs')}#nope`], "no export 'nope'"],
    [['--validator', 'http://'], 'not a valid URL'],
    [['--validator', 'helper:'], 'needs a PROGRAM'],
    [['--validator', 'helper:/no/such/helper --flag'], "'/no/such/helper' is not an executable file"],
    [['--validator', `helper:${process.execPath} -e process.exit(4)`], 'exited with code 4 at startup'],
    [['--validator', `helper:${fixture('helper-dies.sh')}`], 'stderr: cannot open the signature database'],
    [['--validator-helpers', '0'], '--validator-helpers'],
    [['--validator-workers', '0'], '--validator-workers'],
  ])('stops the gateway at startup with exit code 2 and one line on stderr: %j', (args, reason) => {
    const { status, stderr, stdout } = run(args);
    expect(status).toBe(2);
    expect(stderr).toContain(reason);
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(stderr).not.toMatch(/\n\s+at /);
    expect(stdout).not.toContain('"msg":"listening"');
  });
});

describe('startValidationHooks', () => {
  it('gives no Validation when no hook is configured, keeping STORE synchronous', async () => {
    const hooks = await startValidationHooks(parseConfig([], {}), []);
    expect(hooks.validation).toBeNull();
    await hooks.close();
  });
});
