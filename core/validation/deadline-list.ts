// One timer for the deadlines of every STORE a policy checks, instead of one
// timer each: they all wait the same time, so deadlines fall due in the order
// they were set, and a list in that order only needs a timer for its head.
// (The Redis store's DeadlineQueue does the same for its operations; this one
// takes the injected Clock and unlinks a decided STORE at once, so that a
// stuck head never keeps thousands of finished ones alive.)

import type { Clock } from './clock.js';
import { HookSignal } from './hook-signal.js';

/** A STORE's signal, aborted at its deadline; also its node in the queue. */
export class Deadline extends HookSignal {
  prev: Deadline | null = null;
  next: Deadline | null = null;
  queued = true;

  constructor(
    /** When the STORE started waiting (clock time). */
    readonly started: number,
    readonly at: number,
  ) {
    super();
  }
}

export class DeadlineList {
  private head: Deadline | null = null;
  private tail: Deadline | null = null;
  /** Cancels the armed timer; null when none is armed. */
  private cancel: (() => void) | null = null;

  constructor(
    private readonly clock: Clock,
    readonly ms: number,
  ) {}

  /** A signal that aborts `ms` from now, unless `end` takes it out first. */
  start(): Deadline {
    const now = this.clock.now();
    const deadline = new Deadline(now, now + this.ms);
    const tail = this.tail;
    if (tail === null) {
      this.head = deadline;
      if (this.cancel === null) this.cancel = this.clock.setTimeout(this.fire, this.ms);
    } else {
      deadline.prev = tail;
      tail.next = deadline;
    }
    this.tail = deadline;
    return deadline;
  }

  /** The STORE is decided: its signal will not abort. */
  end(deadline: Deadline): void {
    if (!deadline.queued) return;
    this.unlink(deadline);
    // No timer left behind to keep the process up once nothing waits.
    if (this.head === null && this.cancel !== null) {
      this.cancel();
      this.cancel = null;
    }
  }

  private readonly fire = (): void => {
    this.cancel = null;
    const now = this.clock.now();
    for (let due = this.head; due !== null && due.at <= now; due = this.head) {
      this.unlink(due);
      due.abort();
    }
    // A timer may fire a little before the clock says its time has come: then it is simply armed again.
    const head = this.head;
    if (head !== null && this.cancel === null) this.cancel = this.clock.setTimeout(this.fire, head.at - now);
  };

  private unlink(deadline: Deadline): void {
    const { prev, next } = deadline;
    if (prev === null) this.head = next;
    else prev.next = next;
    if (next === null) this.tail = prev;
    else next.prev = prev;
    deadline.prev = null;
    deadline.next = null;
    deadline.queued = false;
  }
}
