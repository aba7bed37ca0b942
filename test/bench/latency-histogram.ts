/** Latencies in whole microseconds up to 1 s; slower ones share the last bucket. */
export class LatencyHistogram {
  private readonly counts = new Uint32Array(1_000_001);
  count = 0;

  record(micros: number): void {
    const i = micros < 1_000_000 ? Math.floor(micros) : 1_000_000;
    this.counts[i] = (this.counts[i] as number) + 1;
    this.count++;
  }

  merge(other: LatencyHistogram): void {
    for (let i = 0; i < other.counts.length; i++)
      this.counts[i] = (this.counts[i] as number) + (other.counts[i] as number);
    this.count += other.count;
  }

  /** The latency (µs) at quantile q, 0 < q <= 1. */
  quantile(q: number): number {
    const rank = Math.ceil(q * this.count);
    let seen = 0;
    for (let i = 0; i < this.counts.length; i++) {
      seen += this.counts[i] as number;
      if (seen >= rank) return i;
    }
    return this.counts.length - 1;
  }
}
