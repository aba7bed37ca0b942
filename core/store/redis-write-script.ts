// STORE on Redis: `SET key value NX`, plus two guards in the same atomic
// script. Redis refuses a write that arrives after its deadline, so nothing
// is applied after its client was told "storage unavailable". And each call
// leaves one short-lived record of what its STOREs did, so that a STORE
// re-sent after a lost reply can learn whether an earlier send stored it:
// one key per call, not one per STORE (see docs/redis.md).
//
// One call may carry many STOREs, those sent in one turn of the event loop
// with one deadline (STOREs started in one turn share it):
//   KEYS  key1 .. keyN  [record]  [earlier records ...]
//   ARGV  recordTtlMs ('' : no record)  deadline  N  value1 .. valueN
//         [then, for each earlier send of a re-sent STORE: its index i, its record's index in KEYS, its position there]
// The deadline is in Redis's clock (ms). The answer, also the record's value,
// is one character per STORE, in their order (WriteResult). Bytes matter:
// Redis reads at most 16 KB from a connection per turn of its event loop, and
// with appendfsync always it syncs once per turn, so the fewer bytes a STORE
// takes, the more STOREs share one sync.

import { createHash } from 'node:crypto';

export const WRITE_SCRIPT = `
if redis.replicate_commands then redis.replicate_commands() end
local now = redis.call('TIME')
local ms = now[1] * 1000 + math.floor(now[2] / 1000)
local late = ms > tonumber(ARGV[2])
local n = tonumber(ARGV[3])
local function earlier(i, key, value)
  local known = true
  for j = n + 4, #ARGV, 3 do
    if tonumber(ARGV[j]) == i then
      local record = redis.call('GET', KEYS[tonumber(ARGV[j + 1])])
      if record then
        local was = string.sub(record, ARGV[j + 2], ARGV[j + 2])
        if was == '1' or was == '2' then return '2' end
      else
        known = false
      end
    end
  end
  if known or redis.call('GET', key) ~= value then return '0' end
  return '3'
end
local resent = #ARGV > n + 3
local out = {}
for i = 1, n do
  local v = i + 3
  if late then
    out[i] = '-'
  elseif redis.call('SET', KEYS[i], ARGV[v], 'NX') then
    out[i] = '1'
  elseif resent then
    out[i] = earlier(i, KEYS[i], ARGV[v])
  else
    out[i] = '0'
  end
end
local result = table.concat(out)
if ARGV[1] ~= '' then redis.call('SET', KEYS[n + 1], result, 'PX', ARGV[1]) end
return result
`;

export const WRITE_SCRIPT_SHA = createHash('sha1').update(WRITE_SCRIPT).digest('hex');

/** What the script answers for each STORE: one character. */
export const WriteResult = {
  /** Its deadline had passed: nothing was written. */
  Late: '-',
  /** The name holds another write's value. */
  Taken: '0',
  Stored: '1',
  /** A re-sent STORE: an earlier send of it stored the value (its call's record says so). */
  StoredEarlier: '2',
  /** A re-sent STORE: the name holds its value, and no record tells whether an earlier send wrote it. */
  Unknown: '3',
} as const;
export type WriteResult = (typeof WriteResult)[keyof typeof WriteResult];

/** What a write needs to be sent. */
export interface WriteEntry {
  readonly key: string;
  readonly value: string;
  /** Its earlier sends, as pairs of their call's record key and its 1-based position there; null if none. */
  readonly earlier: readonly (string | number)[] | null;
}

/**
 * The EVALSHA arguments for `entries` (the SHA, the number of keys, the keys,
 * the arguments), whose common deadline in Redis's clock is `redisDeadline`;
 * `record` is the call's record key, or null for none (then no entry may have
 * earlier sends).
 */
export function writeScriptArgs(
  entries: readonly WriteEntry[],
  redisDeadline: number,
  record: string | null,
  recordTtlMs: number,
): (string | number)[] {
  const n = entries.length;
  const args: (string | number)[] = [WRITE_SCRIPT_SHA, 0];
  for (let i = 0; i < n; i++) args.push((entries[i] as WriteEntry).key);
  if (record !== null) args.push(record);
  const argv: (string | number)[] = [record === null ? '' : recordTtlMs, redisDeadline, n];
  let resends: (string | number)[] | null = null;
  for (let i = 0; i < n; i++) {
    const entry = entries[i] as WriteEntry;
    argv.push(entry.value);
    const earlier = entry.earlier;
    if (earlier === null) continue;
    resends ??= [];
    for (let j = 0; j < earlier.length; j += 2) {
      // Each earlier record is one more key; the script finds it by its index in KEYS.
      args.push(earlier[j] as string);
      resends.push(i + 1, args.length - 2, earlier[j + 1] as number);
    }
  }
  args[1] = args.length - 2;
  for (const a of argv) args.push(a);
  if (resends !== null) for (const a of resends) args.push(a);
  return args;
}
