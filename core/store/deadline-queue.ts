// Operations waiting on Redis, in the order they started. All share one
// timeout, so deadlines come in that order too: one timer, armed for the
// oldest unsettled operation, expires them all.

export interface Deadlined {
  /** performance.now() milliseconds after which it fails. */
  readonly deadline: number;
  readonly settled: boolean;
  /** Called once its deadline has passed, if it has not settled. */
  expire(): void;
}

export class DeadlineQueue<T extends Deadlined> {
  private items: T[] = [];
  private head = 0;
  private timer: NodeJS.Timeout | null = null;
  private armedFor = Number.POSITIVE_INFINITY;

  /** Operations not yet settled nor expired, oldest first (some may have settled since). */
  get length(): number {
    return this.items.length - this.head;
  }

  push(item: T): void {
    this.dropSettled();
    this.items.push(item);
    if (item.deadline < this.armedFor) this.arm(item.deadline);
  }

  /** Empties the queue and gives back what had not settled. */
  takeAll(): T[] {
    const left = this.items.slice(this.head).filter((item) => !item.settled);
    this.items = [];
    this.head = 0;
    this.disarm();
    return left;
  }

  private readonly onTimer = (): void => {
    this.timer = null;
    this.armedFor = Number.POSITIVE_INFINITY;
    const now = performance.now();
    const items = this.items;
    while (this.head < items.length) {
      const item = items[this.head] as T;
      if (!item.settled) {
        if (item.deadline > now) break;
        item.expire();
      }
      this.head++;
    }
    this.compact();
    const next = this.items[this.head];
    if (next !== undefined) this.arm(next.deadline);
  };

  private dropSettled(): void {
    const items = this.items;
    while (this.head < items.length && (items[this.head] as T).settled) this.head++;
    this.compact();
  }

  private compact(): void {
    if (this.head === this.items.length) {
      this.items = [];
      this.head = 0;
    } else if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
  }

  private arm(deadline: number): void {
    this.disarm();
    this.armedFor = deadline;
    this.timer = setTimeout(this.onTimer, Math.max(0, Math.ceil(deadline - performance.now())));
    this.timer.unref();
  }

  private disarm(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.armedFor = Number.POSITIVE_INFINITY;
  }
}
