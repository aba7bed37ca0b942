// Whether a store answers now, from its connection's life and from periodic
// checks: usable once set up, unusable at once when the connection is lost,
// when a check has waited longer than the timeout (a paused server), or when
// the server answers a check with an error. Tells each change, and reminds
// every 30 s while it lasts. Time comes from an injected clock, so that
// tests drive it without waiting.

export const REMIND_EVERY_MS = 30_000;

export const Check = { Wait: 0, Send: 1, Overdue: 2 } as const;
export type Check = (typeof Check)[keyof typeof Check];

export interface ReachabilityEvents {
  /** It became usable; `downForMs` is null the first time. */
  available(downForMs: number | null): void;
  /** It is not usable: at the change, then as a reminder every REMIND_EVERY_MS. */
  unavailable(reason: string, downForMs: number): void;
}

export class Reachability {
  private isUsable = false;
  private everUsable = false;
  /** A check has waited longer than the timeout, or was refused. */
  private stalled = false;
  private checkSentAt: number | null = null;
  private downSince: number;
  private lastReminder = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly timeoutMs: number,
    private readonly now: () => number,
    private readonly events: ReachabilityEvents,
  ) {
    this.downSince = now();
  }

  get usable(): boolean {
    return this.isUsable;
  }

  /** Has it ever been usable? */
  get everUp(): boolean {
    return this.everUsable;
  }

  /** A connection is set up and answered. */
  up(): void {
    this.stalled = false;
    this.set(true, '');
  }

  /** The connection is lost, or the store closed. */
  down(reason: string): void {
    this.set(false, reason);
  }

  /**
   * Called once per check interval: Send when a check should be sent now (it
   * is then counted as in flight), Overdue once when the check in flight has
   * waited longer than the timeout (call `stall`), else Wait.
   */
  tick(connected: boolean, stillDownReason: string): Check {
    const now = this.now();
    if (this.checkSentAt !== null) {
      return now - this.checkSentAt > this.timeoutMs && !this.stalled ? Check.Overdue : Check.Wait;
    }
    if (!connected) {
      if (!this.isUsable) this.remind(stillDownReason);
      return Check.Wait;
    }
    this.checkSentAt = now;
    return Check.Send;
  }

  /** Connected, but not serving (a check overdue, or answered with an error) until a check is answered. */
  stall(reason: string): void {
    this.stalled = true;
    this.set(false, reason);
  }

  /** When the check in flight was sent (for the clock's sample), or null. */
  get checkSent(): number | null {
    return this.checkSentAt;
  }

  /** The check was answered; `current` when on the connection that is still set up. */
  answered(current: boolean): void {
    this.checkSentAt = null;
    if (current && this.stalled) {
      this.stalled = false;
      this.set(true, '');
    }
  }

  /** The check got no answer (its connection went away): nothing learnt. */
  lost(): void {
    this.checkSentAt = null;
  }

  /** The server answered the check with an error: connected, but not serving. */
  refused(reason: string): void {
    this.checkSentAt = null;
    this.stall(reason);
  }

  /** Tells `reason` now unless told within the last REMIND_EVERY_MS. */
  remind(reason: string): void {
    const now = this.now();
    if (now - this.lastReminder < REMIND_EVERY_MS) return;
    this.lastReminder = now;
    this.events.unavailable(reason, Math.round(now - this.downSince));
  }

  private set(usable: boolean, reason: string): void {
    if (usable === this.isUsable) return;
    const now = this.now();
    this.isUsable = usable;
    if (usable) {
      const downForMs = this.everUsable ? Math.round(now - this.downSince) : null;
      this.everUsable = true;
      this.events.available(downForMs);
    } else {
      this.downSince = now;
      this.lastReminder = Number.NEGATIVE_INFINITY;
      this.remind(reason);
    }
  }
}
