import { describe, expect, it } from 'vitest';
import { HookSignal } from '../../core/validation/hook-signal.js';

describe('HookSignal', () => {
  it('calls each listener once when it aborts, and none that was taken off', () => {
    const signal = new HookSignal();
    const heard: string[] = [];
    const a = (): void => {
      heard.push('a');
    };
    const b = (): void => {
      heard.push('b');
    };
    signal.onAbort(a);
    signal.onAbort(b);
    signal.offAbort(a);
    expect(signal.aborted).toBe(false);
    signal.abort();
    signal.abort();
    expect(signal.aborted).toBe(true);
    expect(heard).toEqual(['b']);
  });

  it('calls a listener added after the abort at once', () => {
    const signal = new HookSignal();
    signal.abort();
    let heard = false;
    signal.onAbort(() => {
      heard = true;
    });
    expect(heard).toBe(true);
  });

  it('gives an AbortSignal that follows it', () => {
    const signal = new HookSignal();
    const follower = signal.toAbortSignal();
    expect(follower.aborted).toBe(false);
    signal.abort();
    expect(follower.aborted).toBe(true);
  });
});
