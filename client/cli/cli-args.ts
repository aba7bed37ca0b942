// The jnhp command line: options first, then the words of one command.

import { parseArgs } from 'node:util';

export const DEFAULT_URL = 'jnhp://127.0.0.1:8111';
export const DEFAULT_MAX_IN_FLIGHT = 1000;

export interface CliArgs {
  readonly url: string;
  readonly token: string | undefined;
  readonly timeoutMs: number | undefined;
  readonly pipe: boolean;
  readonly maxInFlight: number;
  readonly help: boolean;
  /** The command line: the words after the options joined by single spaces, or null without words. */
  readonly line: string | null;
}

export class UsageError extends Error {}

export const USAGE = `Usage: jnhp [options] [COMMAND ARGS...]

  jnhp STORE greeting "hello world"   run one command, print its reply
  jnhp                                 an interactive prompt (on a terminal)
  jnhp --pipe < commands.txt           a bulk import: one command per line

Options:
  -u, --url URL          jnhp://host:port, jnhps://host:port, ws://host:port/ws, wss://...
                         (default ${DEFAULT_URL})
      --token TOKEN      send AUTH TOKEN first (env: JNHP_TOKEN)
      --timeout-ms MS    how long a reply may take (default 5000)
      --pipe             read command lines from stdin, pipelined
      --max-in-flight N  with --pipe: commands sent and not answered yet (default ${DEFAULT_MAX_IN_FLIGHT})
  -h, --help

Exit codes: 0 W00T!, AWESOME!, PONG or a value; 1 RARGH! or an absent name;
2 ERROR, a failed connection or a bad option (one line on stderr).`;

const OPTIONS = {
  url: { type: 'string', short: 'u', default: DEFAULT_URL },
  token: { type: 'string' },
  'timeout-ms': { type: 'string' },
  pipe: { type: 'boolean', default: false },
  'max-in-flight': { type: 'string' },
  help: { type: 'boolean', short: 'h', default: false },
} as const;

const TAKES_VALUE = new Set(['-u', '--url', '--token', '--timeout-ms', '--max-in-flight']);

function positiveInteger(flag: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(n) || n < 1)
    throw new UsageError(`--${flag} must be a positive integer, not '${text}'`);
  return n;
}

/** Options end at the first word that is not one (or at `--`): `jnhp STORE k -1` stores `-1`. */
export function parseCliArgs(argv: readonly string[], env: NodeJS.ProcessEnv): CliArgs {
  let i = 0;
  while (i < argv.length) {
    const arg = argv[i] as string;
    if (arg === '--') break;
    if (!arg.startsWith('-') || arg === '-') break;
    i += TAKES_VALUE.has(arg) ? 2 : 1;
  }
  const words = argv.slice(argv[i] === '--' ? i + 1 : i);
  let values: ReturnType<typeof parseArgs<{ options: typeof OPTIONS }>>['values'];
  try {
    ({ values } = parseArgs({ args: argv.slice(0, i), options: OPTIONS, strict: true, allowPositionals: false }));
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  return {
    url: values.url,
    token: values.token ?? (env.JNHP_TOKEN || undefined),
    timeoutMs: positiveInteger('timeout-ms', values['timeout-ms']),
    pipe: values.pipe,
    maxInFlight: positiveInteger('max-in-flight', values['max-in-flight']) ?? DEFAULT_MAX_IN_FLIGHT,
    help: values.help,
    line: words.length === 0 ? null : words.join(' '),
  };
}
