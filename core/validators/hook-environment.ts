// The small environment of every process a hook spawns (exec programs and
// helpers, SPEC section 4): PATH and LANG, and the names `--validator-env`
// hands on; nothing else of the gateway's (REDIS_URL and its password, say).

export function hookEnvironment(env: NodeJS.ProcessEnv, passEnv: readonly string[]): Record<string, string> {
  const result: Record<string, string> = {};
  for (const key of ['PATH', 'LANG', ...passEnv]) {
    const value = env[key];
    if (value !== undefined) result[key] = value;
  }
  return result;
}
