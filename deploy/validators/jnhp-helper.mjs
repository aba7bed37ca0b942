#!/usr/bin/env node
// A helper validator for JNHP (a `helper:` hook) in Node, no dependencies.
// The gateway starts it once and keeps it running. It reads one JSON request
// per line on stdin, {"id","name","value","transport","remoteAddress","user"},
// and answers `<id> JNHP:1` (allow) or `<id> JNHP:0` (refuse) on stdout, in
// any order: each check is async, so it works on many at once; answers that
// settle in one turn go out in one write. It ends at EOF.
// Refuses values longer than --max-bytes or holding a word of --deny-file,
// and names under `local.` from clients that are not on this machine.
//   jnhp-gateway --validator 'helper:deploy/validators/jnhp-helper.mjs --deny-file deny.txt'

import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';

const { values: options } = parseArgs({
  options: { 'max-bytes': { type: 'string' }, 'deny-file': { type: 'string' } },
});
const maxBytes = Number(options['max-bytes'] ?? 0);
const denyText = options['deny-file'] ? await readFile(options['deny-file'], 'utf8') : ''; // once, not per STORE
const words = denyText
  .split('\n')
  .map((w) => w.trim().toLowerCase())
  .filter(Boolean);
const LOOPBACK = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);

/** Replace with real work: a database query, a call to a scanner... */
async function allows({ name, value, remoteAddress }) {
  if (maxBytes > 0 && Buffer.byteLength(value) > maxBytes) return false;
  const lower = value.toLowerCase();
  if (words.some((word) => lower.includes(word))) return false;
  return !name.startsWith('local.') || LOOPBACK.has(remoteAddress);
}

let out = '';
const flush = () => {
  process.stdout.write(out);
  out = '';
};
const answer = (id, allowed) => {
  if (out === '') setImmediate(flush);
  out += `${id} JNHP:${allowed ? 1 : 0}\n`;
};

let pending = '';
process.stdin.setEncoding('utf8').on('data', (chunk) => {
  const lines = (pending + chunk).split('\n');
  pending = lines.pop();
  for (const line of lines) {
    if (line.trim() === '') continue;
    const request = JSON.parse(line);
    allows(request).then(
      (allowed) => answer(request.id, allowed),
      (err) => {
        console.error(`request ${request.id}: ${err.message}`); // the gateway logs it
        answer(request.id, false);
      },
    );
  }
});
