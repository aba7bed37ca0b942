import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../gateway/config.js';
import { openFileLimit } from '../../gateway/open-files.js';

describe('the limits of SPEC section 7 in the configuration', () => {
  it('reads --max-client-memory in bytes, k, m or g (powers of 1024), 256 MiB by default', () => {
    expect(parseConfig([], {}).maxClientMemory).toBe(256 * 1024 ** 2);
    expect(parseConfig(['--max-client-memory', '2g'], {}).maxClientMemory).toBe(2 * 1024 ** 3);
    expect(parseConfig(['--max-client-memory', '1048576'], {}).maxClientMemory).toBe(1024 ** 2);
    expect(parseConfig([], { JNHP_MAX_CLIENT_MEMORY: '64M' }).maxClientMemory).toBe(64 * 1024 ** 2);
    expect(parseConfig(['--max-client-memory', '4096k'], { JNHP_MAX_CLIENT_MEMORY: '64m' }).maxClientMemory).toBe(
      4 * 1024 ** 2,
    );
  });

  it('reads --idle-timeout-ms, 0 (never) by default', () => {
    expect(parseConfig([], {}).idleTimeoutMs).toBe(0);
    expect(parseConfig([], { JNHP_IDLE_TIMEOUT_MS: '30000' }).idleTimeoutMs).toBe(30_000);
  });

  it('reads the open-file limit from /proc/self/limits', () => {
    const limits =
      'Limit                     Soft Limit           Hard Limit           Units     \n' +
      'Max open files            1024                 524288               files     \n';
    expect(openFileLimit(limits)).toBe(1024);
    expect(openFileLimit('Max open files            unlimited            unlimited            files\n')).toBe(
      Number.POSITIVE_INFINITY,
    );
    expect(openFileLimit('nothing here')).toBeNull();
  });
});
