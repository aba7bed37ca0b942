// `module:MODULE[#export]`: a function run in-process; a plain return value
// and a Promise are treated alike. It shares the event loop: a function that
// blocks belongs in `worker:`.

import type { HookSignal } from '../validation/hook-signal.js';
import type { ValidationRequest } from '../validation/validation.js';
import type { Validator } from '../validation/validator.js';
import { asVerdict, type HookFunction } from './load-function.js';

export class ModuleValidator implements Validator {
  constructor(
    readonly name: string,
    private readonly fn: HookFunction,
  ) {}

  decide(request: ValidationRequest, signal: HookSignal): Promise<boolean> {
    const { transport, remoteAddress, user } = request.client;
    let result: unknown;
    try {
      result = this.fn(request.value, request.name, { transport, remoteAddress, user });
    } catch (err) {
      return Promise.reject(err);
    }
    if (!isThenable(result)) {
      try {
        return Promise.resolve(asVerdict(result));
      } catch (err) {
        return Promise.reject(err);
      }
    }
    // A Promise cannot be cancelled: stop waiting for it at the timeout, so the slot frees.
    return new Promise<boolean>((resolve, reject) => {
      const onAbort = (): void => reject(new Error('timed out'));
      signal.onAbort(onAbort);
      Promise.resolve(result).then(
        (value: unknown) => {
          signal.offAbort(onAbort);
          try {
            resolve(asVerdict(value));
          } catch (err) {
            reject(err);
          }
        },
        (err: unknown) => {
          signal.offAbort(onAbort);
          reject(err);
        },
      );
    });
  }
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    (typeof value === 'object' || typeof value === 'function') &&
    value !== null &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}
