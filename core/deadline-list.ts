// Deadlines that all wait the same time fall due in the order they were set:
// a list in that order needs one timer, armed for its head, instead of one
// timer each. The validation policy keeps one per STORE it checks, the Redis
// store one per operation waiting on Redis. An item leaves the list at once
// when it is done, so a stuck head never keeps finished ones alive.

import type { Clock } from './clock.js';

export interface Deadlined {
  /** Clock time at which it falls due; never earlier than the last item added. */
  readonly at: number;
  /** Called once, taken off the list, when it falls due while still on it. */
  expire(): void;
  /** The list's links: only the list sets them. */
  dueList: DeadlineList<Deadlined> | null;
  duePrev: Deadlined | null;
  dueNext: Deadlined | null;
}

export class DeadlineList<T extends Deadlined> {
  private head: Deadlined | null = null;
  private tail: Deadlined | null = null;
  /** Cancels the armed timer; null when none is armed. */
  private cancel: (() => void) | null = null;

  constructor(private readonly clock: Clock) {}

  add(item: T): void {
    item.dueList = this as DeadlineList<Deadlined>;
    const tail = this.tail;
    if (tail === null) {
      this.head = item;
      if (this.cancel === null) this.cancel = this.clock.setTimeout(this.fire, item.at - this.clock.now());
    } else {
      item.duePrev = tail;
      tail.dueNext = item;
    }
    this.tail = item;
  }

  /** `item` is done: it will not expire. */
  remove(item: Deadlined): void {
    if (item.dueList !== this) return;
    this.unlink(item);
    // No timer left behind to keep the process up once nothing waits.
    if (this.head === null && this.cancel !== null) {
      this.cancel();
      this.cancel = null;
    }
  }

  /** Empties the list and gives back what was on it, in order. */
  takeAll(): T[] {
    const items: T[] = [];
    for (let item = this.head; item !== null; item = this.head) {
      this.unlink(item);
      items.push(item as T);
    }
    this.cancel?.();
    this.cancel = null;
    return items;
  }

  private readonly fire = (): void => {
    this.cancel = null;
    const now = this.clock.now();
    for (let due = this.head; due !== null && due.at <= now; due = this.head) {
      this.unlink(due);
      due.expire();
    }
    // A timer may fire a little before the clock says its time has come: then it is simply armed again.
    const head = this.head;
    if (head !== null && this.cancel === null) this.cancel = this.clock.setTimeout(this.fire, head.at - now);
  };

  private unlink(item: Deadlined): void {
    const { duePrev: prev, dueNext: next } = item;
    if (prev === null) this.head = next;
    else prev.dueNext = next;
    if (next === null) this.tail = prev;
    else next.duePrev = prev;
    item.duePrev = null;
    item.dueNext = null;
    item.dueList = null;
  }
}
