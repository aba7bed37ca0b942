// What logs and metrics learn about the processes of `helper:` hooks. The
// core knows no logger and no prom-client: the gateway plugs both in here.

/** One hook's processes as they are now, read when metrics are scraped. */
export interface HelperPoolView {
  /** The hook's name (its SPEC). */
  readonly hook: string;
  /** Processes of the pool (`--validator-helpers`). */
  readonly size: number;
  /** Requests process `index` has been sent and not answered yet. */
  inFlight(index: number): number;
  /** Times process `index` has been restarted. */
  restarts(index: number): number;
}

/** Every method is optional: a listener implements what it cares about. */
export interface HelperObserver {
  poolStarted?(pool: HelperPoolView): void;
  processStarted?(hook: string, index: number, pid: number): void;
  /** A process ended; `failed` requests it held failed; null `restartInMs`: not restarted (shutdown). */
  processEnded?(
    hook: string,
    index: number,
    pid: number | undefined,
    how: string,
    failed: number,
    restartInMs: number | null,
  ): void;
  /** A process was killed because a request it held timed out. */
  processKilled?(hook: string, index: number, pid: number, reason: string): void;
  /** A stdout line that is not an answer to a request in flight. */
  lineIgnored?(hook: string, index: number, pid: number, line: string, why: string): void;
  stderrLine?(hook: string, index: number, pid: number, line: string): void;
}
