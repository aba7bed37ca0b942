// The ACL file (SPEC section 8), modelled on Redis's: one `user` line per
// user, rules applied left to right. Errors name the file and line, and
// never echo a rule, which might be a secret pasted in the wrong place.

import { DEFAULT_USER } from '../validation/validation.js';
import { Acl, AclUser, Permission } from './acl.js';
import { NamePattern } from './name-pattern.js';

export class AclParseError extends Error {
  override name = 'AclParseError';
  constructor(
    readonly file: string,
    readonly line: number,
    readonly reason: string,
  ) {
    super(`${file}:${line}: ${reason}`);
  }
}

const HASH = /^#[0-9a-fA-F]{64}$/;
const BLANKS = /[ \t]+/;
const RULES = 'on, off, nopass, #<sha256>, ~<pattern>, +read or +write';

/** Parses one `user` line into a user, or throws the reason it is wrong. */
function parseUser(words: readonly string[]): AclUser {
  if (words[0] !== 'user') throw new Error("a line must start with 'user' (or '#' for a comment)");
  const name = words[1];
  if (name === undefined) throw new Error("'user' needs a name");
  let enabled = false;
  let nopass = false;
  let permissions = 0;
  const tokenHashes: string[] = [];
  const patterns: NamePattern[] = [];
  for (let i = 2; i < words.length; i++) {
    const rule = words[i] as string;
    if (rule === 'on') enabled = true;
    else if (rule === 'off') enabled = false;
    else if (rule === 'nopass') {
      if (name !== DEFAULT_USER) throw new Error(`nopass is for the user '${DEFAULT_USER}' only`);
      nopass = true;
    } else if (rule === '+read') permissions |= Permission.Read;
    else if (rule === '+write') permissions |= Permission.Write;
    else if (rule.startsWith('~')) {
      const source = rule.slice(1);
      if (source === '') throw new Error(`rule ${i - 1}: a pattern must follow '~'`);
      patterns.push(new NamePattern(source));
    } else if (rule.startsWith('#')) {
      if (!HASH.test(rule)) throw new Error(`rule ${i - 1}: a token hash is '#' and 64 hex digits (SHA-256)`);
      tokenHashes.push(rule.slice(1).toLowerCase());
    } else if (rule.startsWith('>')) {
      throw new Error(`rule ${i - 1}: tokens are not kept in clear; give '#<sha256>' (jnhp-gateway token makes one)`);
    } else {
      throw new Error(`rule ${i - 1} is unknown (rules: ${RULES})`);
    }
  }
  return new AclUser({ name, enabled, nopass, tokenHashes, patterns, permissions });
}

/** Parses the text of ACL file `file`; throws AclParseError naming the line. */
export function parseAcl(text: string, file: string): Acl {
  const acl = new Acl();
  const lines = text.split('\n');
  for (let n = 0; n < lines.length; n++) {
    const line = (lines[n] as string).replace(/\r$/, '').trim();
    if (line === '' || line.startsWith('#')) continue;
    try {
      acl.add(parseUser(line.split(BLANKS)));
    } catch (err) {
      throw new AclParseError(file, n + 1, (err as Error).message);
    }
  }
  return acl;
}
