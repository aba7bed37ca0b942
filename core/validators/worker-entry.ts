// Runs inside a worker thread of the `worker:` pool: loads each hook module
// once per thread and calls its function, off the gateway's event loop.

import type { ClientInfo } from '../validation/validation.js';
import { type HookFunction, loadFunction } from './load-function.js';

export interface WorkerTask {
  readonly module: string;
  readonly exportName: string;
  /** Only load the module and find the function (a startup check). */
  readonly probe: boolean;
  readonly value: string;
  readonly name: string;
  readonly context: ClientInfo;
}

const loaded = new Map<string, Promise<HookFunction>>();

export async function runHook(task: WorkerTask): Promise<unknown> {
  const key = `${task.module}#${task.exportName}`;
  let fn = loaded.get(key);
  if (fn === undefined) {
    fn = loadFunction(task.module, task.exportName);
    loaded.set(key, fn);
  }
  const hook = await fn;
  if (task.probe) return true;
  return hook(task.value, task.name, task.context);
}
