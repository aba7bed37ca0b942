// STORE on Redis: `SET key value NX`, plus two guards in the same atomic
// script. The write's token is kept beside the value for a few seconds, so
// that a STORE re-sent after a lost reply recognises its own earlier write;
// and Redis refuses a write that arrives after its deadline, so nothing is
// applied after its client was told "storage unavailable".

import { createHash } from 'node:crypto';

export const WRITE_SCRIPT = `
if redis.replicate_commands then redis.replicate_commands() end
local now = redis.call('TIME')
if tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000) > tonumber(ARGV[3]) then return -1 end
if redis.call('SET', KEYS[1], ARGV[1], 'NX') then
  if KEYS[2] then redis.call('SET', KEYS[2], ARGV[2], 'PX', ARGV[4]) end
  return 1
end
if not KEYS[2] then return 3 end
local owner = redis.call('GET', KEYS[2])
if owner == ARGV[2] then return 2 end
if owner then return 0 end
return 3
`;

export const WRITE_SCRIPT_SHA = createHash('sha1').update(WRITE_SCRIPT).digest('hex');

/** What the script answers. */
export const WriteResult = {
  /** Its deadline had passed: nothing was written. */
  Late: -1,
  /** The name holds another write's value. */
  Taken: 0,
  Stored: 1,
  /** The name holds the value this very token wrote earlier (a re-sent STORE). */
  StoredEarlier: 2,
  /** The name holds a value whose writer is unknown (no token beside it). */
  TakenByUnknown: 3,
} as const;
export type WriteResult = (typeof WriteResult)[keyof typeof WriteResult];
