import { describe, expect, it } from 'vitest';
import { bearerToken } from '../../gateway/http/bearer.js';
import { OriginPolicy } from '../../gateway/http/origin-policy.js';

describe('OriginPolicy', () => {
  const policy = new OriginPolicy(['https://app.example.com']);

  it("allows the gateway's own origin, by the Host of the request", () => {
    expect(policy.allows('http://jnhp.example:8080', 'jnhp.example:8080', false)).toBe(true);
    expect(policy.allows('https://jnhp.example:8443', 'jnhp.example:8443', true)).toBe(true);
    expect(policy.allows('http://JNHP.example:8080', 'jnhp.EXAMPLE:8080', false)).toBe(true);
  });

  it('leaves the default port out, as browsers do', () => {
    expect(policy.allows('http://jnhp.example', 'jnhp.example:80', false)).toBe(true);
    expect(policy.allows('https://jnhp.example', 'jnhp.example:443', true)).toBe(true);
    expect(policy.allows('http://jnhp.example', 'jnhp.example:443', false)).toBe(false);
  });

  it('tells schemes and ports apart', () => {
    expect(policy.allows('https://jnhp.example:8080', 'jnhp.example:8080', false)).toBe(false);
    expect(policy.allows('http://jnhp.example:8081', 'jnhp.example:8080', false)).toBe(false);
  });

  it('allows listed origins, and no other', () => {
    expect(policy.allows('https://app.example.com', 'jnhp.example', false)).toBe(true);
    expect(policy.allows('https://evil.example.com', 'jnhp.example', false)).toBe(false);
    expect(policy.allows('null', 'jnhp.example', false)).toBe(false);
    expect(policy.allows('http://x', undefined, false)).toBe(false);
  });

  it('allows every origin with *', () => {
    expect(new OriginPolicy(['*']).allows('http://anything.example', 'jnhp.example', false)).toBe(true);
  });
});

describe('bearerToken', () => {
  it('reads the token of a bearer Authorization header, whatever the scheme case', () => {
    expect(bearerToken('Bearer abc.DEF-123_~+/=')).toBe('abc.DEF-123_~+/=');
    expect(bearerToken('bearer  tok ')).toBe('tok');
  });

  it('gives null for other schemes and malformed headers', () => {
    for (const header of ['Basic dXNlcjpwYXNz', 'Bearer', 'Bearer ', 'Bearer a b', 'Bearertok']) {
      expect(bearerToken(header), header).toBeNull();
    }
  });
});
