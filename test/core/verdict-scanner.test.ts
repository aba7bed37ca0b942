import { describe, expect, it } from 'vitest';
import { VerdictScanner } from '../../core/validators/verdict-scanner.js';

/** Feeds `output` cut at the given offsets; returns the verdict after the end of output. */
function scan(output: string, cuts: readonly number[] = []): boolean | null {
  const bytes = Buffer.from(output, 'latin1');
  const scanner = new VerdictScanner();
  let from = 0;
  for (const cut of [...cuts, bytes.length]) {
    scanner.feed(bytes.subarray(from, cut));
    from = cut;
  }
  return scanner.finish();
}

describe('VerdictScanner', () => {
  it('allows on a non-zero verdict and refuses on zero', () => {
    expect(scan('JNHP:1\n')).toBe(true);
    expect(scan('JNHP:42\n')).toBe(true);
    expect(scan('JNHP:-1\n')).toBe(true);
    expect(scan('JNHP:0\n')).toBe(false);
    expect(scan('JNHP:000\n')).toBe(false);
    expect(scan('JNHP:99999999999999999999999999\n')).toBe(true);
  });

  it('takes the first verdict line after any other output', () => {
    expect(scan('checking\nJNHP:maybe\nJNHP:1 2\nxJNHP:1\nJNHP:\nJNHP:0\nJNHP:1\n')).toBe(false);
    expect(scan('a line\r\nJNHP:5\r\nJNHP:0\r\n')).toBe(true);
  });

  it('finds nothing in output without a verdict line', () => {
    expect(scan('')).toBeNull();
    expect(scan('yes\nJNHP: one\nJNHP:1.5\njnhp:1\n')).toBeNull();
  });

  it('accepts a last verdict line without a line end', () => {
    expect(scan('noise\nJNHP:0')).toBe(false);
  });

  it('finds the verdict however the output is split', () => {
    const output = 'starting up\nJNHP:x\nJNHP:7\nJNHP:0\n';
    for (let a = 0; a <= output.length; a++) {
      expect(scan(output, [a]), `cut at ${a}`).toBe(true);
      for (let b = a; b <= output.length; b += 3) expect(scan(output, [a, b]), `cuts at ${a}, ${b}`).toBe(true);
    }
    expect(
      scan(
        output,
        Array.from({ length: output.length }, (_, i) => i),
      ),
    ).toBe(true);
  });

  it('skips an overlong line without keeping it, and reads on', () => {
    const long = `JNHP:1${'0'.repeat(10_000)}`;
    expect(scan(`${long}\nJNHP:0\n`)).toBe(false);
    expect(scan(`${long}\nJNHP:0\n`, [100, 5000, 9000])).toBe(false);
    expect(scan(long)).toBeNull();
  });

  it('keeps the first verdict whatever comes after it', () => {
    const scanner = new VerdictScanner();
    expect(scanner.feed(Buffer.from('JNHP:0\n'))).toBe(false);
    expect(scanner.feed(Buffer.from('JNHP:1\n'))).toBe(false);
    expect(scanner.finish()).toBe(false);
  });
});
