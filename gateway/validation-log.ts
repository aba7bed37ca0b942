// One JSON log line for every hook call that could not decide (error,
// timeout, overload), naming the hook and the reason. Refusals are normal
// business: logged at debug level only.

import { HookOutcome, type ValidationObserver } from '../core/validation/validation-observer.js';
import type { Logger } from './logger.js';

export class ValidationLog implements ValidationObserver {
  constructor(private readonly logger: Logger) {}

  hookSettled(hook: string, outcome: HookOutcome, seconds: number, reason?: string): void {
    const ms = Math.round(seconds * 1000);
    if (outcome === HookOutcome.Allow) return;
    if (outcome === HookOutcome.Refuse) {
      this.logger.debug({ hook, outcome, ms }, 'validator refused');
      return;
    }
    this.logger.warn({ hook, outcome, reason, ms }, `validator ${outcome}`);
  }
}
