// The client's side of format-reply: a reply line (without its line end) back
// to what it means for the command it answers. Replies come in command order,
// so the command tells how to read the line: `GET` of a value `W00T!` is that value.

import { Reply } from './format-reply.js';

const ERROR_PREFIX = 'ERROR ';

/** The reason of an `ERROR <reason>` line, or null when the line is not one. */
export function errorReason(line: string): string | null {
  if (line.startsWith(ERROR_PREFIX)) return line.slice(ERROR_PREFIX.length);
  return line === 'ERROR' ? '' : null;
}

/** STORE and AUTH: `W00T!` true, `RARGH!` false, anything else undefined. */
export function readStoreReply(line: string): boolean | undefined {
  return line === Reply.Stored ? true : line === Reply.No ? false : undefined;
}

/** EXISTS: `AWESOME!` true, `RARGH!` false, anything else undefined. */
export function readExistsReply(line: string): boolean | undefined {
  return line === Reply.Present ? true : line === Reply.No ? false : undefined;
}

/** GET: the value, or null for the empty line that means absent. */
export function readGetReply(line: string): string | null {
  return line === Reply.Absent ? null : line;
}
