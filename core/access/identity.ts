// Who one connection is: its user name, the rules that user has under the
// rules in force (looked up again after a reload), and its failed AUTHs.

import type { Name } from '../name.js';
import { DEFAULT_USER } from '../validation/validation.js';
import type { AccessControl } from './access-control.js';
import type { AclUser, Permission } from './acl.js';

/** Failed AUTHs after which a connection is closed (SPEC section 8). */
export const MAX_AUTH_FAILURES = 10;

export class Identity {
  /** The user the connection acts as: `default` until it authenticates. */
  name: string;
  private authenticated: boolean;
  private rules: AclUser | null = null;
  private generation = -1;
  private failures = 0;

  /** `user`: who the transport already authenticated (a WebSocket bearer token), if anyone. */
  constructor(
    private readonly access: AccessControl,
    user?: string,
  ) {
    this.name = user ?? DEFAULT_USER;
    this.authenticated = user !== undefined;
  }

  /** The rules of this connection's user, or null when it may only PING, AUTH and QUIT. */
  get user(): AclUser | null {
    if (this.generation !== this.access.generation) {
      this.generation = this.access.generation;
      this.rules = this.authenticated ? this.access.user(this.name) : this.access.anonymous();
    }
    return this.rules;
  }

  may(permission: Permission, name: Name): boolean {
    const user = this.user;
    return user?.may(permission, name) === true;
  }

  /** The name shown in a refusal: null while the connection has no usable user. */
  get shownName(): string | null {
    return this.user === null ? null : this.name;
  }

  /**
   * AUTH: true when `token` names an enabled user, who the connection then
   * acts as. A failure leaves the connection as it was (as Redis does).
   */
  authenticate(token: string): boolean {
    const user = this.access.authenticate(token);
    if (user === null) {
      this.failures++;
      return false;
    }
    this.name = user.name;
    this.authenticated = true;
    this.rules = user;
    this.generation = this.access.generation;
    return true;
  }

  /** True once so many AUTHs failed that the connection must close. */
  get exhausted(): boolean {
    return this.failures >= MAX_AUTH_FAILURES;
  }
}
