import { describe, expect, it } from 'vitest';
import { crc32c } from '../../core/store/crc32c.js';

describe('crc32c', () => {
  it('gives the check value of CRC-32C for "123456789"', () => {
    expect(crc32c(Buffer.from('123456789'))).toBe(0xe3069283);
  });

  it('gives the published values for 32 zero bytes and 32 0xff bytes (RFC 3720)', () => {
    expect(crc32c(Buffer.alloc(32, 0))).toBe(0x8a9136aa);
    expect(crc32c(Buffer.alloc(32, 0xff))).toBe(0x62a8ab43);
  });

  it('continues a CRC over a range split at every offset', () => {
    const bytes = Buffer.from('The quick brown fox jumps over the lazy dog, twice over.');
    const whole = crc32c(bytes);
    for (let cut = 0; cut <= bytes.length; cut++) {
      expect(crc32c(bytes, cut, bytes.length, crc32c(bytes, 0, cut))).toBe(whole);
    }
  });
});
