// Builds the validation hooks from the configuration: none configured means
// no Validation at all, which keeps STORE on its fast synchronous path.

import type { Validation } from '../core/validation/validation.js';
import type { ValidationObserver } from '../core/validation/validation-observer.js';
import { ValidationPolicy } from '../core/validation/validation-policy.js';
import type { Validator } from '../core/validation/validator.js';
import type { HelperObserver } from '../core/validators/helper/helper-observer.js';
import { ValidatorSpecError } from '../core/validators/parse-validator-spec.js';
import { ValidatorFactory } from '../core/validators/validator-factory.js';
import { type Config, ConfigError } from './config.js';

export interface ValidationHooks {
  /** Null when no hook is configured. */
  readonly validation: Validation | null;
  /** Kills what hooks still run and stops the worker pool. */
  close(): Promise<void>;
}

/** Throws ConfigError (exit code 2) for a validator that is malformed or cannot run. */
export async function startValidationHooks(
  config: Config,
  observers: readonly ValidationObserver[],
  helperObservers: readonly HelperObserver[] = [],
): Promise<ValidationHooks> {
  if (config.validators.length === 0) return { validation: null, close: async () => {} };
  const factory = new ValidatorFactory({
    env: process.env,
    passEnv: config.validatorEnv,
    workers: config.validatorWorkers,
    helpers: config.validatorHelpers,
    helperObservers,
    cwd: process.cwd(),
  });
  const validators: Validator[] = [];
  try {
    for (const spec of config.validators) validators.push(await factory.create(spec));
  } catch (err) {
    // Helpers already started must not outlive a gateway that does not start.
    await Promise.all(validators.map((v) => v.close?.()));
    await factory.close();
    if (err instanceof ValidatorSpecError) throw new ConfigError(`--validator ${err.message}`, { cause: err });
    throw err;
  }
  const policy = new ValidationPolicy(validators, {
    timeoutMs: config.validatorTimeoutMs,
    concurrency: config.validatorConcurrency,
    queue: config.validatorQueue,
    failure: config.validatorFailure,
    observers,
  });
  return {
    validation: policy,
    close: async () => {
      await policy.close();
      await factory.close();
    },
  };
}
