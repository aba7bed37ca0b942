// /readyz: ready while the store answers and the gateway is not draining.

import type { Store } from '../../core/store/store.js';

/** How long a readiness check waits for the store's ping. */
export const READY_PING_TIMEOUT_MS = 1000;

export class Readiness {
  private draining = false;

  constructor(
    private readonly store: Store,
    private readonly pingTimeoutMs = READY_PING_TIMEOUT_MS,
  ) {}

  /** From now on the gateway is not ready: it is shutting down. */
  drain(): void {
    this.draining = true;
  }

  get isDraining(): boolean {
    return this.draining;
  }

  /** Null when ready, else why not. */
  async notReady(): Promise<string | null> {
    if (this.draining) return 'draining: the gateway is shutting down';
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>((resolve) => {
      timer = setTimeout(() => resolve('late'), this.pingTimeoutMs);
    });
    try {
      const answer = await Promise.race([this.store.ping().then(() => 'ok' as const), late]);
      return answer === 'ok' ? null : `the store did not answer within ${this.pingTimeoutMs} ms`;
    } catch (err) {
      return `the store does not answer: ${(err as Error).message}`;
    } finally {
      clearTimeout(timer);
    }
  }
}
