// Finds the verdict in an exec hook's stdout: the first line of the form
// `JNHP:<int>` (non-zero allows, 0 refuses), after any other output, however
// the bytes are split across reads. Keeps at most one short line in memory.

/** Longer lines cannot be a verdict line; they are skipped without being kept. */
const MAX_VERDICT_LINE = 256;
const VERDICT_LINE = /^\s*JNHP:([+-]?\d+)\s*$/;
const ZERO = /^[+-]?0+$/;
const LF = 0x0a;

export class VerdictScanner {
  private line = '';
  private overlong = false;
  private found: boolean | null = null;

  /** The verdict, once a verdict line has ended; null until then. */
  get verdict(): boolean | null {
    return this.found;
  }

  feed(chunk: Buffer): boolean | null {
    if (this.found !== null) return this.found;
    let from = 0;
    for (let nl = chunk.indexOf(LF); nl !== -1; nl = chunk.indexOf(LF, from)) {
      this.append(chunk, from, nl);
      this.found = this.takeLine();
      if (this.found !== null) return this.found;
      from = nl + 1;
    }
    this.append(chunk, from, chunk.length);
    return null;
  }

  /** The output has ended: a last line without a line end counts too. */
  finish(): boolean | null {
    if (this.found === null) this.found = this.takeLine();
    return this.found;
  }

  private append(chunk: Buffer, start: number, end: number): void {
    if (this.overlong || start === end) return;
    if (this.line.length + (end - start) > MAX_VERDICT_LINE) {
      this.overlong = true;
      this.line = '';
      return;
    }
    // latin1 maps each byte to one char: enough to match an ASCII pattern.
    this.line += chunk.toString('latin1', start, end);
  }

  private takeLine(): boolean | null {
    const { line, overlong } = this;
    this.line = '';
    this.overlong = false;
    if (overlong) return null;
    const digits = VERDICT_LINE.exec(line)?.[1];
    return digits === undefined ? null : !ZERO.test(digits);
  }
}
