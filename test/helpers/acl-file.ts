// ACL files for tests: written to a fresh temporary folder, rewritable for
// SIGHUP, and a few users with known tokens.

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { hashToken } from '../../core/access/token.js';

/** Tokens long and odd enough to be found in a log if one ever leaked there. */
export const TOKENS = {
  app: 'tok-app-5f1c9e2a7b3d4c6e',
  reader: 'tok-reader-8a2b4c6d0e1f3a5b',
  gone: 'tok-gone-1a3c5e7f9b2d4f6a',
  bad: 'tok-bad-0f9e8d7c6b5a4f3e',
} as const;

export const hash = (token: string): string => `#${hashToken(token)}`;

/** default reads public/*, app reads and writes app/* and reads public/*, reader reads all, gone is off. */
export const STANDARD_ACL = `# the test ACL
user default on nopass ~public/* +read
user app     on ${hash(TOKENS.app)} ~app/* ~public/* +read +write
user reader  on ${hash(TOKENS.reader)} ~* +read
user gone    off ${hash(TOKENS.gone)} ~* +read +write
`;

export class AclFile {
  readonly path: string;

  constructor(text: string) {
    this.path = path.join(mkdtempSync(path.join(tmpdir(), 'jnhp-acl-')), 'acl');
    this.write(text);
  }

  write(text: string): void {
    writeFileSync(this.path, text);
  }
}
