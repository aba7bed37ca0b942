// What logging and metrics learn about every hook call.

export const HookOutcome = {
  Allow: 'allow',
  Refuse: 'refuse',
  Error: 'error',
  Timeout: 'timeout',
  /** The hook's queue was full: the call never started. */
  Overloaded: 'overloaded',
} as const;
export type HookOutcome = (typeof HookOutcome)[keyof typeof HookOutcome];

export interface ValidationObserver {
  /** One hook call ended; `reason` says why for errors, timeouts and overloads. */
  hookSettled(hook: string, outcome: HookOutcome, seconds: number, reason?: string): void;
}
