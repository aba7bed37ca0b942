// Redis's clock as seen from here, so that a write can carry its deadline in
// Redis's own time: a write that reaches Redis after its client was told
// "storage unavailable" is then refused by Redis instead of applied.

/** Slack for clock resolution and drift between two samples. */
const MARGIN_MS = 5;
/** A sample older than this is replaced even by a less precise one. */
const MAX_AGE_MS = 60_000;

export class RedisClock {
  /** Redis milliseconds minus local performance.now() milliseconds. */
  private offset = 0;
  /** How far `offset` may be off: half the round trip of its sample. */
  private error = Number.POSITIVE_INFINITY;
  private sampledAt = Number.NEGATIVE_INFINITY;

  get known(): boolean {
    return this.error !== Number.POSITIVE_INFINITY;
  }

  /**
   * Records a TIME reply asked at `sentAt` and answered at `receivedAt`
   * (performance.now()). A fresh connection's first sample always counts;
   * later ones replace it when about as precise, or when it has aged.
   */
  sample(time: readonly (string | number)[], sentAt: number, receivedAt: number, fresh: boolean): void {
    const error = (receivedAt - sentAt) / 2;
    const replace = fresh || error <= this.error * 2 + 1 || receivedAt - this.sampledAt > MAX_AGE_MS;
    if (!replace) return;
    const redisMs = Number(time[0]) * 1000 + Number(time[1]) / 1000;
    if (!Number.isFinite(redisMs)) return;
    this.offset = redisMs - (sentAt + error);
    this.error = error;
    this.sampledAt = receivedAt;
  }

  /** A Redis time no later than local time `deadline`, whatever the sample's error. */
  toRedis(deadline: number): number {
    return Math.floor(deadline + this.offset - this.error - MARGIN_MS);
  }

  forget(): void {
    this.error = Number.POSITIVE_INFINITY;
    this.sampledAt = Number.NEGATIVE_INFINITY;
  }
}
