import { describe, expect, it } from 'vitest';
import { AccessControl } from '../../core/access/access-control.js';
import { MAX_AUTH_FAILURES } from '../../core/access/identity.js';
import { parseAcl } from '../../core/access/parse-acl.js';
import { RateLimiter } from '../../core/access/rate-limiter.js';
import { hashToken } from '../../core/access/token.js';
import { Engine } from '../../core/engine.js';
import { LineSession } from '../../core/session.js';
import { MemoryStore } from '../../core/store/memory-store.js';
import { Transport, type Validation, type ValidationRequest, Verdict } from '../../core/validation/validation.js';
import { RecordingPeer } from '../helpers/recording-peer.js';

/** Allows every STORE and remembers who asked. */
class RecordingValidation implements Validation {
  readonly seen: ValidationRequest[] = [];
  async check(request: ValidationRequest): Promise<Verdict> {
    this.seen.push(request);
    return Verdict.Allow;
  }
}

const ACL = `user default on nopass ~public/* +read
user app on #${hashToken('app-token')} ~app/* ~public/* +read +write
user gone off #${hashToken('gone-token')} ~* +read +write`;

function session(acl: string | null, options: { rate?: number; validation?: Validation } = {}) {
  const store = new MemoryStore();
  const engine = new Engine(store, options.validation ?? null);
  const peer = new RecordingPeer({ transport: Transport.Tcp, remoteAddress: '10.0.0.7', user: 'default' });
  const limiter = options.rate === undefined ? null : new RateLimiter(options.rate, { now: () => 0 });
  const access = new AccessControl(acl === null ? null : parseAcl(acl, 'acl'), limiter);
  const lines = new LineSession(engine, peer, { maxLineBytes: 1024, access });
  const run = (...commands: string[]): string[] => {
    const from = peer.written.length;
    lines.receive(Buffer.from(commands.map((c) => `${c}\r\n`).join('')));
    return peer.written.slice(from);
  };
  return { run, peer, access, store };
}

/** Lets promises of the memory store and validation settle. */
const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('a session under an ACL', () => {
  it('lets default read what its patterns allow and denies the rest with ERROR permission denied', () => {
    const { run } = session(ACL);
    expect(run('GET public/a', 'EXISTS public/a')).toEqual(['', 'RARGH!']);
    expect(run('GET secret')).toEqual(["ERROR permission denied: user 'default' may not read 'secret'"]);
    expect(run('STORE public/a v')).toEqual(["ERROR permission denied: user 'default' may not write 'public/a'"]);
  });

  it('acts as the token user after AUTH, and stays as it was after a failed one', () => {
    const { run } = session(ACL);
    expect(run('AUTH wrong', 'GET public/a')).toEqual(['RARGH!', '']);
    expect(run('AUTH app-token', 'STORE app/x v', 'GET app/x')).toEqual(['W00T!', 'W00T!', 'v']);
    expect(run('AUTH wrong', 'GET app/x')).toEqual(['RARGH!', 'v']);
  });

  it('refuses AUTH as a user that is off', () => {
    const { run } = session(ACL);
    expect(run('AUTH gone-token', 'GET x')).toEqual(['RARGH!', expect.stringMatching(/^ERROR permission denied/)]);
  });

  it(`closes the connection after ${MAX_AUTH_FAILURES} failed AUTHs, answering each`, () => {
    const { run, peer } = session(ACL);
    const replies = run(...Array.from({ length: MAX_AUTH_FAILURES }, () => 'AUTH nope'), 'PING');
    expect(replies).toEqual(Array.from({ length: MAX_AUTH_FAILURES }, () => 'RARGH!'));
    expect(peer.closed).toBe(true);
  });

  it('without a usable default lets a client only PING, AUTH and QUIT until it authenticates', () => {
    const { run } = session(`user app on #${hashToken('app-token')} ~* +read +write`);
    expect(run('PING', 'GET a', 'EXISTS a', 'STORE a v')).toEqual([
      'PONG',
      'ERROR permission denied: authenticate first (AUTH <token>)',
      'ERROR permission denied: authenticate first (AUTH <token>)',
      'ERROR permission denied: authenticate first (AUTH <token>)',
    ]);
    expect(run('AUTH app-token', 'STORE a v')).toEqual(['W00T!', 'W00T!']);
  });

  it('runs no validator for a denied STORE, and hands the validators the user after AUTH', async () => {
    const validation = new RecordingValidation();
    const { run } = session(ACL, { validation });
    expect(run('STORE app/denied v')).toEqual([expect.stringMatching(/^ERROR permission denied/)]);
    run('AUTH app-token', 'STORE app/ok v');
    await settle();
    expect(validation.seen.map((r) => [r.name, r.client.user])).toEqual([['app/ok', 'app']]);
  });

  it('applies reloaded rules to connections that authenticated before', () => {
    const { run, access } = session(ACL);
    expect(run('AUTH app-token', 'GET app/a')).toEqual(['W00T!', '']);
    access.replace(parseAcl(`user app on #${hashToken('app-token')} ~other/* +read`, 'acl'));
    expect(run('GET app/a')).toEqual(["ERROR permission denied: user 'app' may not read 'app/a'"]);
    access.replace(parseAcl('user default on nopass ~* +read', 'acl'));
    expect(run('GET other/a')).toEqual(['ERROR permission denied: authenticate first (AUTH <token>)']);
  });
});

describe('a session with --store-rate', () => {
  it('answers ERROR rate limit exceeded past the rate, without running validators', async () => {
    const validation = new RecordingValidation();
    const { run } = session(null, { rate: 2, validation });
    run('STORE a v', 'STORE b v', 'STORE c v');
    await settle();
    await settle();
    expect(validation.seen.map((r) => r.name)).toEqual(['a', 'b']);
  });

  it('counts each user apart, and default per address', () => {
    const { run } = session(ACL.replace('~public/* +read', '~* +read +write'), { rate: 1 });
    expect(run('STORE a v', 'STORE b v')).toEqual([
      'W00T!',
      'ERROR rate limit exceeded: at most 1 STORE per second (see --store-rate)',
    ]);
    expect(run('AUTH app-token', 'STORE app/c v')).toEqual(['W00T!', 'W00T!']);
  });

  it('without an ACL answers AUTH with RARGH!', () => {
    const { run } = session(null);
    expect(run('AUTH anything', 'STORE a v')).toEqual(['RARGH!', 'W00T!']);
  });
});
