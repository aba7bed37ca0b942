// The ACL file of --acl-file: read at startup (a file that does not parse is
// exit code 2) and again on SIGHUP (one that does not parse keeps the rules
// in force and logs an error). Messages never quote the file's rules.

import { readFileSync } from 'node:fs';
import type { AccessControl } from '../core/access/access-control.js';
import type { Acl } from '../core/access/acl.js';
import { AclParseError, parseAcl } from '../core/access/parse-acl.js';
import { ConfigError } from './config.js';
import type { Logger } from './logger.js';

/** Reads and parses `file`; throws an Error whose message names the file (and line). */
function readAcl(file: string): Acl {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new Error(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  return parseAcl(text, file);
}

/** The ACL of --acl-file at startup; a ConfigError (exit code 2) when it cannot be used. */
export function loadAcl(file: string): Acl {
  try {
    return readAcl(file);
  } catch (err) {
    throw new ConfigError(`--acl-file: ${(err as Error).message}`);
  }
}

/** SIGHUP: puts the rules of `file` in force, or keeps the old ones if it does not parse. */
export function reloadAcl(file: string, access: AccessControl, logger: Logger): void {
  let acl: Acl;
  try {
    acl = readAcl(file);
  } catch (err) {
    const line = err instanceof AclParseError ? err.line : undefined;
    logger.error({ file, line, reason: (err as Error).message }, 'ACL not reloaded; the previous rules stay in force');
    return;
  }
  access.replace(acl);
  logger.info({ file, users: acl.size }, 'ACL reloaded');
}
