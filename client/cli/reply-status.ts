// What a reply means for an exit code: SPEC section 12's 0, 1 and 2.

import { Reply } from '../../core/protocol/format-reply.js';
import { errorReason } from '../../core/protocol/parse-reply.js';
import { firstWordIs } from '../jnhp-client.js';

export const Exit = { Ok: 0, No: 1, Error: 2 } as const;
export type Exit = (typeof Exit)[keyof typeof Exit];

/** The exit code for `reply` to `line`: a GET's reply is a value whatever it reads like. */
export function replyStatus(line: string, reply: string): Exit {
  if (errorReason(reply) !== null) return Exit.Error;
  if (firstWordIs(line, 'get')) return reply === Reply.Absent ? Exit.No : Exit.Ok;
  return reply === Reply.No ? Exit.No : Exit.Ok;
}
