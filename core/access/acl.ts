// Users and what they may do (SPEC section 8), as parsed from an ACL file.
// Tokens are looked up by their SHA-256 in a map, never by scanning users,
// and the digests are compared in constant time.

import { timingSafeEqual } from 'node:crypto';
import type { Name } from '../name.js';
import { DEFAULT_USER } from '../validation/validation.js';
import type { NamePattern } from './name-pattern.js';
import { tokenDigest } from './token.js';

/** What a command needs: GET and EXISTS read, STORE writes. */
export const Permission = { Read: 1, Write: 2 } as const;
export type Permission = (typeof Permission)[keyof typeof Permission];

export interface AclUserSpec {
  readonly name: string;
  readonly enabled: boolean;
  /** `nopass`: clients that never authenticate act as this user (`default` only). */
  readonly nopass: boolean;
  /** SHA-256 hex digests of the user's tokens. */
  readonly tokenHashes: readonly string[];
  readonly patterns: readonly NamePattern[];
  /** Bits of Permission. */
  readonly permissions: number;
}

export class AclUser {
  readonly name: string;
  readonly enabled: boolean;
  readonly nopass: boolean;
  readonly tokenHashes: readonly string[];
  /** The patterns a name may match, by its first byte: a user with many patterns tries only the few that can. */
  private readonly byFirstByte: readonly (readonly NamePattern[])[];
  private readonly forEmptyName: readonly NamePattern[];
  private readonly permissions: number;

  constructor(spec: AclUserSpec) {
    this.name = spec.name;
    this.enabled = spec.enabled;
    this.nopass = spec.nopass;
    this.tokenHashes = spec.tokenHashes;
    this.byFirstByte = Array.from({ length: 256 }, (_, byte) =>
      spec.patterns.filter((p) => p.firstByte === byte || p.firstByte === -1),
    );
    this.forEmptyName = spec.patterns.filter((p) => p.firstByte === -1);
    this.permissions = spec.permissions;
  }

  /** True when this user may do `permission` to `name`. */
  may(permission: Permission, name: Name): boolean {
    if ((this.permissions & permission) === 0) return false;
    const patterns =
      name.end > name.start
        ? (this.byFirstByte[name.buf[name.start] as number] as readonly NamePattern[])
        : this.forEmptyName;
    for (let i = 0; i < patterns.length; i++) {
      if ((patterns[i] as NamePattern).matches(name.buf, name.start, name.end)) return true;
    }
    return false;
  }
}

export class Acl {
  private readonly users = new Map<string, AclUser>();
  private readonly byToken = new Map<string, { readonly user: AclUser; readonly digest: Buffer }>();

  /** Throws on a user named twice or a token given to two users: the parser reports them with their line. */
  add(user: AclUser): void {
    if (this.users.has(user.name)) throw new Error(`user '${user.name}' is defined twice`);
    for (const hash of user.tokenHashes) {
      const owner = this.byToken.get(hash);
      if (owner !== undefined) throw new Error(`a token hash of '${user.name}' is also one of '${owner.user.name}'`);
    }
    this.users.set(user.name, user);
    for (const hash of user.tokenHashes) this.byToken.set(hash, { user, digest: Buffer.from(hash, 'hex') });
  }

  get size(): number {
    return this.users.size;
  }

  user(name: string): AclUser | undefined {
    return this.users.get(name);
  }

  /** The user a client that never authenticated acts as: `default` when it is `on` and `nopass`, else none. */
  anonymous(): AclUser | null {
    const user = this.users.get(DEFAULT_USER);
    return user?.enabled && user.nopass ? user : null;
  }

  /** The enabled user `token` authenticates as, or null. */
  authenticate(token: string): AclUser | null {
    const digest = tokenDigest(token);
    const entry = this.byToken.get(digest.toString('hex'));
    if (entry === undefined) return null;
    // The map found it by its digest; the comparison that decides takes the same time whatever the bytes.
    if (!timingSafeEqual(entry.digest, digest)) return null;
    return entry.user.enabled ? entry.user : null;
  }
}
