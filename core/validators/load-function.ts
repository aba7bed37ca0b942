// Finds a hook function for `worker:` and `module:`: MODULE may be a path or
// a package name, an ES module or CommonJS; `#export` defaults to `default`.

import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { ClientInfo } from '../validation/validation.js';

/** `(value, name, context) => boolean | Promise<boolean>` as a user writes it. */
export type HookFunction = (value: string, name: string, context: ClientInfo) => unknown;

/** MODULE as written (a path, or a package name) as a URL `import()` takes, resolved from `cwd`. */
export function resolveModule(specifier: string, cwd: string): string {
  if (specifier.startsWith('file:')) return specifier;
  const asPath = path.resolve(cwd, specifier);
  if (path.isAbsolute(specifier) || specifier.startsWith('.') || existsSync(asPath)) {
    if (!existsSync(asPath)) throw new Error(`no such file: ${asPath}`);
    return pathToFileURL(asPath).href;
  }
  return pathToFileURL(createRequire(path.join(cwd, 'package.json')).resolve(specifier)).href;
}

export async function loadFunction(url: string, exportName: string): Promise<HookFunction> {
  const namespace = (await import(url)) as Record<string, unknown>;
  let found = namespace[exportName];
  // CommonJS: named exports may only be reachable through `module.exports`, which is `default`.
  const exportsObject = namespace.default;
  if (found === undefined && exportsObject !== null && typeof exportsObject === 'object') {
    found = (exportsObject as Record<string, unknown>)[exportName];
  }
  // A transpiled ES module in CommonJS: `exports.default = fn`.
  if (found !== null && typeof found === 'object' && typeof (found as { default?: unknown }).default === 'function') {
    found = (found as { default: unknown }).default;
  }
  if (typeof found !== 'function') {
    throw new Error(
      found === undefined ? `the module has no export '${exportName}'` : `export '${exportName}' is not a function`,
    );
  }
  return found as HookFunction;
}

/** A hook function's result as a verdict: `true` allows, `false` refuses, anything else is an error. */
export function asVerdict(result: unknown): boolean {
  if (typeof result === 'boolean') return result;
  throw new Error(`returned ${describeValue(result)}, not true or false`);
}

function describeValue(value: unknown): string {
  if (typeof value === 'string') return `the string '${value.slice(0, 40)}'`;
  if (value === null) return 'null';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'function') return 'a function';
  return `${typeof value} ${String(value)}`;
}
