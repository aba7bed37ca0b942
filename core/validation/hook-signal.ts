// Tells a hook call to stop: the policy aborts it when the STORE's time is
// up. A small stand-in for AbortSignal, whose construction alone costs
// several microseconds in Node 20: more than a helper's whole round trip.

type Listener = () => void;

export class HookSignal {
  private isAborted = false;
  private listeners: Listener[] | null = null;

  get aborted(): boolean {
    return this.isAborted;
  }

  /** Calls `listener` once when the signal aborts; at once if it has. */
  onAbort(listener: Listener): void {
    if (this.isAborted) listener();
    else if (this.listeners === null) this.listeners = [listener];
    else this.listeners.push(listener);
  }

  offAbort(listener: Listener): void {
    const listeners = this.listeners;
    if (listeners === null) return;
    const at = listeners.indexOf(listener);
    if (at !== -1) listeners.splice(at, 1);
  }

  abort(): void {
    if (this.isAborted) return;
    this.isAborted = true;
    const listeners = this.listeners;
    this.listeners = null;
    if (listeners !== null) for (const listener of listeners) listener();
  }

  /** An AbortSignal that follows this one, for APIs that take one (it costs what it costs). */
  toAbortSignal(): AbortSignal {
    const controller = new AbortController();
    this.onAbort(() => controller.abort());
    return controller.signal;
  }
}
