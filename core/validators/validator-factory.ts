// Turns each `--validator` SPEC into a Validator, and checks at startup that
// it can run (the program exists, the module loads and exports a function),
// so that a mistake stops the gateway instead of failing every STORE.

import { describeError } from '../validation/describe-error.js';
import type { Validator } from '../validation/validator.js';
import { ExecValidator, findProgram } from './exec-validator.js';
import type { HelperObserver } from './helper/helper-observer.js';
import { HelperValidator } from './helper/helper-validator.js';
import { loadFunction, resolveModule } from './load-function.js';
import { ModuleValidator } from './module-validator.js';
import { badValidator, parseValidatorSpec, ValidatorKind } from './parse-validator-spec.js';
import { WorkerPool, WorkerValidator } from './worker-validator.js';

export interface FactoryOptions {
  /** The gateway's environment; exec hooks see only PATH, LANG and `passEnv` from it. */
  readonly env: NodeJS.ProcessEnv;
  readonly passEnv: readonly string[];
  /** Threads of the pool shared by `worker:` hooks. */
  readonly workers: number;
  /** Processes of each `helper:` hook (`--validator-helpers`). */
  readonly helpers: number;
  /** Who hears about helper processes (logs, metrics). */
  readonly helperObservers?: readonly HelperObserver[];
  /** Where relative programs and modules are found. */
  readonly cwd: string;
}

export class ValidatorFactory {
  private pool: WorkerPool | null = null;

  constructor(private readonly options: FactoryOptions) {}

  /** Throws a ValidatorSpecError when SPEC is malformed or cannot run. */
  async create(spec: string): Promise<Validator> {
    const parsed = parseValidatorSpec(spec);
    const name = spec.trim();
    const { env, cwd } = this.options;
    try {
      switch (parsed.kind) {
        case ValidatorKind.Exec:
          await findProgram(parsed.program, env, cwd);
          return new ExecValidator(name, parsed.program, parsed.args, { env, passEnv: this.options.passEnv });
        case ValidatorKind.Helper: {
          const program = await findProgram(parsed.program, env, cwd);
          return await HelperValidator.start(name, program, parsed.args, {
            env,
            passEnv: this.options.passEnv,
            processes: this.options.helpers,
            observers: this.options.helperObservers ?? [],
          });
        }
        case ValidatorKind.Worker: {
          const url = resolveModule(parsed.module, cwd);
          this.pool ??= new WorkerPool(this.options.workers);
          await this.pool.probe(url, parsed.exportName);
          return new WorkerValidator(name, this.pool, url, parsed.exportName);
        }
        case ValidatorKind.Module: {
          const url = resolveModule(parsed.module, cwd);
          return new ModuleValidator(name, await loadFunction(url, parsed.exportName));
        }
        case ValidatorKind.Webhook: {
          // undici is large: loaded only by a gateway that has a webhook.
          const { WebhookValidator } = await import('./webhook-validator.js');
          return new WebhookValidator(parsed.url);
        }
      }
    } catch (err) {
      throw badValidator(spec, describeError(err), err);
    }
  }

  /** Stops the worker pool, if one was started. */
  async close(): Promise<void> {
    await this.pool?.close();
    this.pool = null;
  }
}
