import { describe, expect, it } from 'vitest';
import { AccessControl, EVERYONE } from '../../core/access/access-control.js';
import { Permission } from '../../core/access/acl.js';
import { AclParseError, parseAcl } from '../../core/access/parse-acl.js';
import { hashToken, newToken } from '../../core/access/token.js';
import { Name } from '../../core/name.js';

const APP_TOKEN = 'app-token-1';
const OTHER_TOKEN = 'app-token-2';
const AUDIT_TOKEN = 'audit-token';

const FILE = `# users of the test gateway

user default on nopass ~public/* +read
  user app     on #${hashToken(APP_TOKEN)} #${hashToken(OTHER_TOKEN).toUpperCase()} ~app/* ~public/* +read +write
user audit   off #${hashToken(AUDIT_TOKEN)} ~* +read\r
\t# an indented comment
user writer on ~drop/* +write
`;

function parseError(text: string): AclParseError {
  try {
    parseAcl(text, '/etc/jnhp/acl');
  } catch (err) {
    if (err instanceof AclParseError) return err;
    throw err;
  }
  throw new Error('parsed');
}

describe('parseAcl', () => {
  const acl = parseAcl(FILE, 'acl');

  it('reads users, skipping blank lines and comments', () => {
    expect(acl.size).toBe(4);
    expect(acl.user('app')?.enabled).toBe(true);
    expect(acl.user('audit')?.enabled).toBe(false);
  });

  it('tries every pattern that can match, whatever its first byte, leading star included', () => {
    const user = parseAcl('user default on nopass ~a* ~*z ~b ~é* +read\n', 'acl').user('default');
    for (const name of ['abc', 'a', 'xyz', 'az', 'b', 'éa'])
      expect(user?.may(Permission.Read, Name.of(name))).toBe(true);
    for (const name of ['bb', 'x', 'zy', 'e']) expect(user?.may(Permission.Read, Name.of(name))).toBe(false);
  });

  it('gives each user its permissions on its patterns', () => {
    const app = acl.user('app');
    expect(app?.may(Permission.Write, Name.of('app/x'))).toBe(true);
    expect(app?.may(Permission.Read, Name.of('public/x'))).toBe(true);
    expect(app?.may(Permission.Read, Name.of('secret'))).toBe(false);
    const writer = acl.user('writer');
    expect(writer?.may(Permission.Write, Name.of('drop/1'))).toBe(true);
    expect(writer?.may(Permission.Read, Name.of('drop/1'))).toBe(false);
  });

  it('finds a user by any of its tokens, and none for an unknown token or a user that is off', () => {
    expect(acl.authenticate(APP_TOKEN)?.name).toBe('app');
    expect(acl.authenticate(OTHER_TOKEN)?.name).toBe('app');
    expect(acl.authenticate('nope')).toBeNull();
    expect(acl.authenticate(AUDIT_TOKEN)).toBeNull();
  });

  it('makes default the user of clients that never authenticate only when it is on and nopass', () => {
    expect(acl.anonymous()?.name).toBe('default');
    expect(parseAcl('user default off nopass ~* +read', 'f').anonymous()).toBeNull();
    expect(parseAcl(`user default on #${hashToken('t')} ~* +read`, 'f').anonymous()).toBeNull();
    expect(parseAcl('user app on ~* +read', 'f').anonymous()).toBeNull();
  });

  it('leaves a user off unless it says on, as Redis does', () => {
    expect(parseAcl('user quiet ~* +read', 'f').user('quiet')?.enabled).toBe(false);
    expect(parseAcl('user flip on off on', 'f').user('flip')?.enabled).toBe(true);
  });

  it('gives a user without a pattern no name', () => {
    const user = parseAcl('user none on +read +write', 'f').user('none');
    expect(user?.may(Permission.Read, Name.of('x'))).toBe(false);
  });

  it.each([
    ['a line that is not a user', 'hello world', 1, "start with 'user'"],
    ['a user without a name', 'user', 1, 'needs a name'],
    ['an unknown rule', '\nuser a on +admin', 2, 'rule 2 is unknown'],
    ['a short hash', '\n\nuser a on #abcd', 3, '64 hex digits'],
    ['nopass on another user', 'user a on nopass', 1, 'nopass is for the user'],
    ['a clear-text password', 'user a on >hunter2', 1, 'not kept in clear'],
    ['an empty pattern', 'user a on ~', 1, "a pattern must follow '~'"],
    ['a user defined twice', 'user a on\nuser a off', 2, 'defined twice'],
    ['a token of two users', `user a on #${hashToken('t')}\nuser b on #${hashToken('t')}`, 2, 'also one of'],
  ])('refuses %s, naming the file and the line', (_, text, line, reason) => {
    const err = parseError(text);
    expect(err.line).toBe(line);
    expect(err.message).toMatch(new RegExp(`^/etc/jnhp/acl:${line}: `));
    expect(err.message).toContain(reason);
  });

  it('never quotes a rule, which may be a secret', () => {
    expect(parseError('user a on >hunter2').message).not.toContain('hunter2');
    expect(parseError('user a on s3cr3t-token').message).not.toContain('s3cr3t');
  });
});

describe('AccessControl', () => {
  it('without an ACL makes everyone default with every permission and knows no token', () => {
    const access = new AccessControl(null);
    expect(access.hasAcl).toBe(false);
    expect(access.anonymous()).toBe(EVERYONE);
    expect(EVERYONE.may(Permission.Write, Name.of('any'))).toBe(true);
    expect(access.authenticate('anything')).toBeNull();
  });

  it('puts new rules in force on replace, and says so through its generation', () => {
    const access = new AccessControl(parseAcl(`user app on #${hashToken(APP_TOKEN)} ~a/* +read`, 'f'));
    const before = access.generation;
    access.replace(parseAcl(`user app off #${hashToken(APP_TOKEN)} ~a/* +read`, 'f'));
    expect(access.generation).not.toBe(before);
    expect(access.authenticate(APP_TOKEN)).toBeNull();
    expect(access.user('app')).toBeNull();
  });
});

describe('tokens', () => {
  it('makes new tokens that differ and are safe in a header and a command line', () => {
    const a = newToken();
    expect(a).not.toBe(newToken());
    expect(a).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('hashes a token as sha256sum does', () => {
    // printf %s 'abc' | sha256sum
    expect(hashToken('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });
});
