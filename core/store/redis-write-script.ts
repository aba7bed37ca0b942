// STORE on Redis: `SET key value NX`, plus two guards in the same atomic
// script. The write's token is kept beside the value for a few seconds, so
// that a STORE re-sent after a lost reply recognises its own earlier write;
// and Redis refuses a write that arrives after its deadline, so nothing is
// applied after its client was told "storage unavailable".
//
// One call may carry many STOREs (those sent in one turn of the event loop):
//   KEYS  key1 tokenKey1 key2 tokenKey2 ...   (one STORE may come without its token key)
//   ARGV  tokenTtlMs earliestDeadline value1 token1 deadline1 value2 ...
// Deadlines are in Redis's clock (ms). One STORE answers a number, several
// an array of numbers in their order (WriteResult).

import { createHash } from 'node:crypto';

export const WRITE_SCRIPT = `
if redis.replicate_commands then redis.replicate_commands() end
local now = redis.call('TIME')
local ms = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
local late = ms > tonumber(ARGV[2])
local function store(key, tokenKey, value, token, deadline)
  if late and ms > tonumber(deadline) then return -1 end
  if redis.call('SET', key, value, 'NX') then
    if tokenKey then redis.call('SET', tokenKey, token, 'PX', ARGV[1]) end
    return 1
  end
  if not tokenKey then return 3 end
  local owner = redis.call('GET', tokenKey)
  if owner == token then return 2 end
  if owner then return 0 end
  return 3
end
if #KEYS <= 2 then return store(KEYS[1], KEYS[2], ARGV[3], ARGV[4], ARGV[5]) end
local out = {}
for i = 1, #KEYS / 2 do
  out[i] = store(KEYS[2 * i - 1], KEYS[2 * i], ARGV[3 * i], ARGV[3 * i + 1], ARGV[3 * i + 2])
end
return out
`;

export const WRITE_SCRIPT_SHA = createHash('sha1').update(WRITE_SCRIPT).digest('hex');

/** What the script answers for each STORE. */
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

/** What a write needs to be sent: its keys, and its value and token. */
export interface WriteEntry {
  readonly key: string;
  readonly tokenKey: string | null;
  readonly value: string;
  readonly token: string;
}

/**
 * The EVALSHA arguments after the SHA for `entries` (one, or several that all have token
 * keys), each with its deadline in Redis's clock from `redisDeadline`.
 */
export function writeScriptArgs<E extends WriteEntry>(
  entries: readonly E[],
  redisDeadline: (entry: E) => number,
  tokenTtlMs: number,
): { numKeys: number; args: (string | number)[] } {
  const keys: string[] = [];
  const argv: (string | number)[] = [tokenTtlMs, 0];
  let earliest = Number.POSITIVE_INFINITY;
  for (const entry of entries) {
    keys.push(entry.key);
    if (entry.tokenKey !== null) keys.push(entry.tokenKey);
    const deadline = redisDeadline(entry);
    if (deadline < earliest) earliest = deadline;
    argv.push(entry.value, entry.token, deadline);
  }
  argv[1] = earliest;
  return { numKeys: keys.length, args: [...keys, ...argv] };
}
