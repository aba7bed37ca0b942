import { describe, expect, it } from 'vitest';
import { parseValidatorSpec, ValidatorSpecError } from '../../core/validators/parse-validator-spec.js';

describe('parseValidatorSpec', () => {
  it('splits exec: on whitespace, without quoting', () => {
    expect(parseValidatorSpec('exec:/usr/bin/jnhp-determine  --max "a b"')).toEqual({
      kind: 'exec',
      program: '/usr/bin/jnhp-determine',
      args: ['--max', '"a', 'b"'],
    });
    expect(parseValidatorSpec('exec: check')).toEqual({ kind: 'exec', program: 'check', args: [] });
  });

  it('reads worker: and module: with an optional #export that defaults to default', () => {
    expect(parseValidatorSpec('worker:./hooks/check.mjs')).toEqual({
      kind: 'worker',
      module: './hooks/check.mjs',
      exportName: 'default',
    });
    expect(parseValidatorSpec('module:some-package#validate')).toEqual({
      kind: 'module',
      module: 'some-package',
      exportName: 'validate',
    });
  });

  it('reads http:// and https:// URLs as webhooks', () => {
    const spec = parseValidatorSpec('https://hooks.example/jnhp?x=1');
    expect(spec.kind).toBe('webhook');
    expect(spec.kind === 'webhook' && spec.url.href).toBe('https://hooks.example/jnhp?x=1');
    expect(parseValidatorSpec('HTTP://127.0.0.1:9000/').kind).toBe('webhook');
  });

  it.each([
    ['', 'unknown kind'],
    ['ftp://example.com/', 'unknown kind'],
    ['/usr/bin/check', 'unknown kind'],
    ['exec:', 'needs a PROGRAM'],
    ['exec:   ', 'needs a PROGRAM'],
    ['worker:', 'needs a MODULE'],
    ['module:#check', 'needs a MODULE'],
    ['module:./x.mjs#', 'export name'],
    ['http://', 'URL'],
  ])('refuses %j with a message saying why', (spec, reason) => {
    let error: unknown;
    try {
      parseValidatorSpec(spec);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ValidatorSpecError);
    expect((error as Error).message).toContain(reason);
    expect((error as Error).message).toContain(`'${spec}'`);
  });
});
