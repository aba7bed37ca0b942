// A `--validator` SPEC (SPEC section 4) as a typed description, or a clear
// error saying what is wrong with it.

export const ValidatorKind = {
  Exec: 'exec',
  Helper: 'helper',
  Worker: 'worker',
  Module: 'module',
  Webhook: 'webhook',
} as const;
export type ValidatorKind = (typeof ValidatorKind)[keyof typeof ValidatorKind];

export type ValidatorSpec =
  | {
      readonly kind: typeof ValidatorKind.Exec | typeof ValidatorKind.Helper;
      readonly program: string;
      readonly args: readonly string[];
    }
  | {
      readonly kind: typeof ValidatorKind.Worker | typeof ValidatorKind.Module;
      readonly module: string;
      readonly exportName: string;
    }
  | { readonly kind: typeof ValidatorKind.Webhook; readonly url: URL };

const EXPECTED =
  'expected exec:PROGRAM [ARGS...], helper:PROGRAM [ARGS...], worker:MODULE[#export], module:MODULE[#export] or an http(s):// URL';

/** A SPEC that cannot work; a startup error (the gateway exits 2), never one a client sees. */
export class ValidatorSpecError extends Error {
  override name = 'ValidatorSpecError';
}

export function badValidator(spec: string, reason: string, cause?: unknown): ValidatorSpecError {
  return new ValidatorSpecError(`'${spec}': ${reason}`, { cause });
}

export function parseValidatorSpec(spec: string): ValidatorSpec {
  const text = spec.trim();
  for (const kind of [ValidatorKind.Exec, ValidatorKind.Helper] as const) {
    if (!text.startsWith(`${kind}:`)) continue;
    const [program, ...args] = text
      .slice(kind.length + 1)
      .trim()
      .split(/\s+/);
    if (program === undefined || program === '') throw badValidator(spec, `${kind}: needs a PROGRAM`);
    return { kind, program, args };
  }
  for (const kind of [ValidatorKind.Worker, ValidatorKind.Module] as const) {
    if (!text.startsWith(`${kind}:`)) continue;
    const rest = text.slice(kind.length + 1);
    const hash = rest.lastIndexOf('#');
    const module = (hash === -1 ? rest : rest.slice(0, hash)).trim();
    const exportName = hash === -1 ? 'default' : rest.slice(hash + 1).trim();
    if (module === '') throw badValidator(spec, `${kind}: needs a MODULE`);
    if (exportName === '') throw badValidator(spec, `${kind}: the export name after '#' is empty`);
    return { kind, module, exportName };
  }
  if (/^https?:/i.test(text)) {
    let url: URL;
    try {
      url = new URL(text);
    } catch (err) {
      throw badValidator(spec, 'not a valid URL', err);
    }
    if (url.hostname === '') throw badValidator(spec, 'the URL has no host');
    return { kind: ValidatorKind.Webhook, url };
  }
  throw badValidator(spec, `unknown kind of validator; ${EXPECTED}`);
}
