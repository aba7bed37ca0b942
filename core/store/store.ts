import type { Name } from '../name.js';

// Where names live. Methods may answer synchronously (memory) or with a
// Promise (Redis): the line session keeps the synchronous path free of
// Promises, which is most of its speed.

export type MaybePromise<T> = T | Promise<T>;

export interface Store {
  /** The value stored under `name`, or undefined. */
  get(name: Name): MaybePromise<string | undefined>;
  has(name: Name): MaybePromise<boolean>;
  /** Stores `value` only if `name` is absent, atomically; true if it did. */
  putIfAbsent(name: Name, value: string): MaybePromise<boolean>;
  /** Resolves while the store answers; for readiness checks. */
  ping(): Promise<void>;
  close(): Promise<void>;
}
