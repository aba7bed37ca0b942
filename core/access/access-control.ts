// The access rules a gateway runs with: the ACL (replaced whole on SIGHUP)
// and the --store-rate limiter. Without an ACL file every client is
// `default` with every permission.

import { ErrorCode, JnhpError } from '../errors.js';
import type { Name } from '../name.js';
import { DEFAULT_USER } from '../validation/validation.js';
import { type Acl, AclUser, Permission } from './acl.js';
import { NamePattern } from './name-pattern.js';
import type { RateLimiter } from './rate-limiter.js';

/** `default` when there is no ACL file: every permission on every name. */
export const EVERYONE = new AclUser({
  name: DEFAULT_USER,
  enabled: true,
  nopass: true,
  tokenHashes: [],
  patterns: [new NamePattern('*')],
  permissions: Permission.Read | Permission.Write,
});

const VERBS: Record<Permission, string> = { [Permission.Read]: 'read', [Permission.Write]: 'write' };

/** `ERROR permission denied ...`: the one text of a refusal by the ACL. `user` null: the client has no usable user yet. */
export function permissionDenied(user: string | null, permission: Permission, name: Name): JnhpError {
  const reason =
    user === null
      ? 'permission denied: authenticate first (AUTH <token>)'
      : `permission denied: user '${user}' may not ${VERBS[permission]} '${name.text}'`;
  return new JnhpError(ErrorCode.Forbidden, reason);
}

export class AccessControl {
  /** Bumped whenever the rules change, so that connections look their user up again. */
  generation = 0;

  constructor(
    private acl: Acl | null,
    readonly limiter: RateLimiter | null = null,
  ) {}

  /** True when an ACL file is in force (tokens mean something). */
  get hasAcl(): boolean {
    return this.acl !== null;
  }

  /** Puts new rules in force for every connection. */
  replace(acl: Acl): void {
    this.acl = acl;
    this.generation++;
  }

  /** The user of a client that never authenticated, or null when it may only PING, AUTH and QUIT. */
  anonymous(): AclUser | null {
    return this.acl === null ? EVERYONE : this.acl.anonymous();
  }

  /** The enabled user `token` authenticates as, or null (unknown token, user off, or no ACL). */
  authenticate(token: string): AclUser | null {
    return this.acl === null ? null : this.acl.authenticate(token);
  }

  /** The enabled user named `name` under the current rules (a connection that authenticated earlier), or null. */
  user(name: string): AclUser | null {
    if (this.acl === null) return name === DEFAULT_USER ? EVERYONE : null;
    const user = this.acl.user(name);
    return user?.enabled === true ? user : null;
  }

  /** --store-rate: 0 when a STORE of `user` from `address` may run now, else the seconds to wait. */
  limitStore(user: string, address: string): number {
    const limiter = this.limiter;
    if (limiter === null) return 0;
    // `default` is limited per address. A leading space keeps addresses apart from user names, which hold none.
    return limiter.take(user === DEFAULT_USER ? ` ${address}` : user);
  }
}

/** `ERROR rate limit exceeded ...`: the one text of a STORE refused by --store-rate. */
export function rateLimited(rate: number): JnhpError {
  return new JnhpError(
    ErrorCode.RateLimited,
    `rate limit exceeded: at most ${rate} ${rate === 1 ? 'STORE' : 'STOREs'} per second (see --store-rate)`,
  );
}
