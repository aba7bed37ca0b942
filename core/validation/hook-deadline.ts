// A STORE's signal to its hooks, aborted at its deadline: also its place on
// the policy's DeadlineList.

import type { Deadlined, DeadlineList } from '../deadline-list.js';
import { HookSignal } from './hook-signal.js';

export class HookDeadline extends HookSignal implements Deadlined {
  dueList: DeadlineList<Deadlined> | null = null;
  duePrev: Deadlined | null = null;
  dueNext: Deadlined | null = null;

  constructor(
    /** When the STORE started waiting (clock time). */
    readonly started: number,
    readonly at: number,
  ) {
    super();
  }

  expire(): void {
    this.abort();
  }
}
