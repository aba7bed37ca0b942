// A worker: validator: allows a value only when it is a JSON object or array
// no deeper than MAX_DEPTH. Parsing up to --max-line-bytes of JSON is blocking
// work, which is what the worker pool keeps off the gateway's event loop.
//
//   jnhp-gateway --validator 'worker:dist/deploy/validators/json-values.js#jsonValues'
//
// The same function works in-process with `module:` (cheaper for small values).

/** What the gateway tells every hook about the client (SPEC section 4). */
export interface HookContext {
  readonly transport: 'tcp' | 'ws' | 'http';
  readonly remoteAddress: string;
}

const MAX_DEPTH = 16;

export function jsonValues(value: string, _name: string, _context: HookContext): boolean {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    return false; // not JSON: refuse (a throw would be an error, and fail closed anyway)
  }
  return typeof parsed === 'object' && parsed !== null && depth(parsed) <= MAX_DEPTH;
}

function depth(node: unknown): number {
  if (typeof node !== 'object' || node === null) return 0;
  let deepest = 0;
  for (const child of Object.values(node)) {
    deepest = Math.max(deepest, depth(child));
    if (deepest > MAX_DEPTH) break;
  }
  return deepest + 1;
}
