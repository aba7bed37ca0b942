// `worker:MODULE[#export]`: a blocking function run in a pool of worker
// threads (piscina), so a CPU-bound validator never blocks the event loop.
// On timeout the thread running the call is terminated and replaced.

import { Piscina } from 'piscina';
import type { HookSignal } from '../validation/hook-signal.js';
import type { ValidationRequest } from '../validation/validation.js';
import type { Validator } from '../validation/validator.js';
import { asVerdict } from './load-function.js';
import type { WorkerTask } from './worker-entry.js';

/** The built worker entry beside this file (dist/core/validators/worker-entry.js). */
const WORKER_ENTRY = new URL('./worker-entry.js', import.meta.url);

/** One pool shared by every `worker:` hook. */
export class WorkerPool {
  private readonly pool: Piscina<WorkerTask, unknown>;

  constructor(threads: number) {
    this.pool = new Piscina<WorkerTask, unknown>({
      filename: WORKER_ENTRY.href,
      name: 'runHook',
      minThreads: threads,
      maxThreads: threads,
    });
  }

  run(task: WorkerTask, signal?: AbortSignal): Promise<unknown> {
    return this.pool.run(task, { signal: signal ?? null });
  }

  /** Loads the module in a thread and checks its export is a function. */
  async probe(module: string, exportName: string): Promise<void> {
    const context = { transport: 'tcp', remoteAddress: '', user: 'default' } as const;
    await this.run({ module, exportName, probe: true, value: '', name: '', context });
  }

  close(): Promise<void> {
    return this.pool.destroy();
  }
}

export class WorkerValidator implements Validator {
  constructor(
    readonly name: string,
    private readonly pool: WorkerPool,
    private readonly module: string,
    private readonly exportName: string,
  ) {}

  async decide(request: ValidationRequest, signal: HookSignal): Promise<boolean> {
    const { transport, remoteAddress, user } = request.client;
    const result = await this.pool.run(
      {
        module: this.module,
        exportName: this.exportName,
        probe: false,
        value: request.value,
        name: request.name,
        context: { transport, remoteAddress, user },
      },
      // piscina terminates the thread running the call when this aborts.
      signal.toAbortSignal(),
    );
    return asVerdict(result);
  }
}
