// One hook, whatever its kind (exec, worker, module, webhook): the shape every
// kind is adapted to, the way `maybeDeferred` unified them in the seed.

import type { HookSignal } from './hook-signal.js';
import type { ValidationRequest } from './validation.js';

export interface Validator {
  /** How logs and metrics name the hook: its SPEC, without secrets. */
  readonly name: string;
  /**
   * Resolves true to allow the STORE, false to refuse it; rejects when the
   * hook cannot decide. Once `signal` aborts, the hook stops its work and
   * settles soon, so that a concurrency slot is never held by a dead call.
   */
  decide(request: ValidationRequest, signal: HookSignal): Promise<boolean>;
  /** Stops whatever the hook still runs (on shutdown). */
  close?(): Promise<void>;
}
