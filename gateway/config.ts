// Configuration from flags and environment (SPEC section 6). Flags win over
// env; a bad value is a ConfigError whose message is the one line main prints.

import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import { DEFAULT_MAX_LINE_BYTES } from '../core/protocol/limits.js';
import { DEFAULT_CACHE_NAMES } from '../core/store/name-cache.js';
import { parseRedisUrl, RedisUrlError } from '../core/store/redis-url.js';
import type { TlsFiles } from './tls/tls-pair.js';

export class ConfigError extends Error {
  override name = 'ConfigError';
}

export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;

export interface Config {
  readonly host: string;
  readonly tcpPort: number;
  readonly httpPort: number;
  readonly store: 'memory' | 'file' | 'redis';
  readonly dataDir: string;
  readonly redisUrl: string;
  readonly redisPrefix: string;
  readonly redisCacheNames: number;
  readonly storeTimeoutMs: number;
  readonly validators: readonly string[];
  readonly validatorTimeoutMs: number;
  readonly validatorConcurrency: number;
  readonly validatorFailure: 'closed' | 'open';
  readonly validatorQueue: number;
  readonly validatorEnv: readonly string[];
  readonly validatorWorkers: number;
  readonly validatorHelpers: number;
  readonly maxLineBytes: number;
  readonly maxConnections: number;
  readonly drainTimeoutMs: number;
  readonly maxClientMemory: number;
  readonly idleTimeoutMs: number;
  /** '' when none: every client is `default` with every permission. */
  readonly aclFile: string;
  readonly allowedOrigins: readonly string[];
  readonly storeRate: number;
  readonly maxConnectionsPerAddress: number;
  readonly logLevel: (typeof LOG_LEVELS)[number];
  /** The certificate and key of HTTPS, WSS and --tls-port; null: no TLS. */
  readonly tls: TlsFiles | null;
  /** JNHP over TLS, beside tcpPort; null: none. */
  readonly tlsPort: number | null;
}

type Parse<T> = (raw: string, flag: string) => T;

interface Option<T> {
  readonly env: string;
  readonly fallback: string;
  readonly parse: Parse<T>;
  readonly help: string;
}

const integer =
  (min: number, max: number): Parse<number> =>
  (raw, flag) => {
    const n = Number(raw);
    if (raw.trim() === '' || !Number.isInteger(n) || n < min || n > max) {
      throw new ConfigError(`--${flag}: expected a whole number from ${min} to ${max}, got '${raw}'`);
    }
    return n;
  };

const oneOf =
  <const T extends string>(choices: readonly T[]): Parse<T> =>
  (raw, flag) => {
    if (!(choices as readonly string[]).includes(raw)) {
      throw new ConfigError(`--${flag}: expected one of ${choices.join(', ')}, got '${raw}'`);
    }
    return raw as T;
  };

const SIZE_UNITS: Record<string, number> = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 };

/** A size in bytes, with an optional k, m or g suffix (powers of 1024, as Redis reads them). */
const size =
  (min: number): Parse<number> =>
  (raw, flag) => {
    const match = /^(\d+)([kmg]?)b?$/i.exec(raw.trim());
    const n =
      match === null ? Number.NaN : Number(match[1]) * (SIZE_UNITS[(match[2] as string).toLowerCase()] as number);
    if (!Number.isSafeInteger(n) || n < min) {
      throw new ConfigError(`--${flag}: expected a size in bytes of at least ${min}, such as 256m or 2g, got '${raw}'`);
    }
    return n;
  };

const text: Parse<string> = (raw, flag) => {
  if (raw === '') throw new ConfigError(`--${flag}: must not be empty`);
  return raw;
};

const redisUrl: Parse<string> = (raw, flag) => {
  try {
    parseRedisUrl(raw);
  } catch (err) {
    if (err instanceof RedisUrlError) throw new ConfigError(`--${flag}: ${err.message}`);
    throw err;
  }
  return raw;
};

const list =
  (separator: RegExp): Parse<string[]> =>
  (raw) =>
    raw
      .split(separator)
      .map((s) => s.trim())
      .filter((s) => s !== '');

/** Origins as browsers send them (`scheme://host[:port]`, lower case), or `*`. */
const origins: Parse<string[]> = (raw, flag) =>
  list(/,/)(raw, flag).map((origin) => {
    if (origin === '*') return origin;
    let url: URL;
    try {
      url = new URL(origin);
    } catch {
      throw new ConfigError(`--${flag}: '${origin}' is not an origin such as https://app.example.com`);
    }
    if (url.origin === 'null' || url.origin !== origin.toLowerCase().replace(/\/$/, '')) {
      throw new ConfigError(`--${flag}: '${origin}' is not an origin such as https://app.example.com`);
    }
    return url.origin;
  });

/** An option whose absence (the empty string) means "none". */
const optional =
  <T>(parse: Parse<T>): Parse<T | null> =>
  (raw, flag) =>
    raw === '' ? null : parse(raw, flag);

const port = integer(0, 65535);
const millis = integer(1, 24 * 3600 * 1000);

const OPTIONS = {
  host: { env: 'JNHP_HOST', fallback: '127.0.0.1', parse: text, help: 'address to listen on' },
  'tcp-port': {
    env: 'JNHP_TCP_PORT',
    fallback: '8111',
    parse: port,
    help: 'JNHP line protocol port (0: any free port)',
  },
  'http-port': {
    env: 'JNHP_HTTP_PORT',
    fallback: '8080',
    parse: port,
    help: 'REST and WebSocket port (0: any free port)',
  },
  store: {
    env: 'JNHP_STORE',
    fallback: 'memory',
    parse: oneOf(['memory', 'file', 'redis']),
    help: 'memory (gone at exit), file (durable, in --data-dir) or redis',
  },
  'data-dir': {
    env: 'JNHP_DATA_DIR',
    fallback: './jnhp-data',
    parse: text,
    help: 'directory of the log and its lock, with --store file',
  },
  'redis-url': {
    env: 'REDIS_URL',
    fallback: 'redis://127.0.0.1:6379',
    parse: redisUrl,
    help: 'Redis to use with --store redis',
  },
  'redis-prefix': { env: 'JNHP_REDIS_PREFIX', fallback: 'jnhp:', parse: text, help: 'prefix of every Redis key' },
  'redis-cache-names': {
    env: 'JNHP_REDIS_CACHE_NAMES',
    fallback: String(DEFAULT_CACHE_NAMES),
    parse: integer(0, 100_000_000),
    help: 'stored names this gateway remembers, to answer GET and EXISTS without Redis (0: none)',
  },
  'store-timeout-ms': {
    env: 'JNHP_STORE_TIMEOUT_MS',
    fallback: '2000',
    parse: millis,
    help: 'a store operation slower than this is "storage unavailable"',
  },
  validator: {
    env: 'JNHP_VALIDATORS',
    fallback: '',
    parse: list(/\n/),
    help: 'a hook that must allow every STORE (repeatable; env: newline-separated)',
  },
  'validator-timeout-ms': {
    env: 'JNHP_VALIDATOR_TIMEOUT_MS',
    fallback: '5000',
    parse: millis,
    help: 'time a STORE may wait on one hook, queue included',
  },
  'validator-concurrency': {
    env: 'JNHP_VALIDATOR_CONCURRENCY',
    fallback: '16',
    parse: integer(1, 100000),
    help: 'hook calls running at once, per hook',
  },
  'validator-failure': {
    env: 'JNHP_VALIDATOR_FAILURE',
    fallback: 'closed',
    parse: oneOf(['closed', 'open']),
    help: 'closed: a failing hook refuses; open: it allows',
  },
  'validator-queue': {
    env: 'JNHP_VALIDATOR_QUEUE',
    fallback: '1000',
    parse: integer(0, 1000000),
    help: 'hook calls waiting for a free slot before STOREs fail at once',
  },
  'validator-env': {
    env: 'JNHP_VALIDATOR_ENV',
    fallback: '',
    parse: list(/,/),
    help: 'environment variables passed on to exec hooks (comma-separated)',
  },
  'validator-workers': {
    env: 'JNHP_VALIDATOR_WORKERS',
    fallback: String(availableParallelism()),
    parse: integer(1, 1024),
    help: 'threads that run worker: hooks (all of them share one pool)',
  },
  'validator-helpers': {
    env: 'JNHP_VALIDATOR_HELPERS',
    fallback: '2',
    parse: integer(1, 256),
    help: 'processes started for each helper: hook',
  },
  'max-line-bytes': {
    env: 'JNHP_MAX_LINE_BYTES',
    fallback: String(DEFAULT_MAX_LINE_BYTES),
    parse: integer(16, 64 * 1024 * 1024),
    help: 'longest command line, REST body or WebSocket message',
  },
  'max-connections': {
    env: 'JNHP_MAX_CONNECTIONS',
    fallback: '10000',
    parse: integer(1, 10000000),
    help: 'open TCP and WebSocket connections together',
  },
  'drain-timeout-ms': {
    env: 'JNHP_DRAIN_TIMEOUT_MS',
    fallback: '10000',
    parse: integer(0, 3600 * 1000),
    help: 'time to finish open commands after SIGTERM',
  },
  'max-client-memory': {
    env: 'JNHP_MAX_CLIENT_MEMORY',
    fallback: '256m',
    parse: size(1024 * 1024),
    help: 'unfinished input and unsent replies of all clients together; past it the largest holder is closed (k, m, g)',
  },
  'idle-timeout-ms': {
    env: 'JNHP_IDLE_TIMEOUT_MS',
    fallback: '0',
    parse: integer(0, 7 * 24 * 3600 * 1000),
    help: 'close a TCP or WebSocket client idle this long (0: never)',
  },
  'acl-file': {
    env: 'JNHP_ACL_FILE',
    fallback: '',
    parse: (raw) => raw,
    help: 'users, token hashes and name patterns (see docs/security.md); none: everyone may do everything',
  },
  'allowed-origins': {
    env: 'JNHP_ALLOWED_ORIGINS',
    fallback: '',
    parse: origins,
    help: "web origins besides the gateway's own that may use REST and /ws (comma-separated; *: all)",
  },
  'store-rate': {
    env: 'JNHP_STORE_RATE',
    fallback: '0',
    parse: integer(0, 1_000_000),
    help: 'STOREs per second per user (per address for default), in bursts of as many; 0: no limit',
  },
  'max-connections-per-address': {
    env: 'JNHP_MAX_CONNECTIONS_PER_ADDRESS',
    fallback: '0',
    parse: integer(0, 10000000),
    help: 'open TCP and WebSocket connections from one client address; 0: no limit',
  },
  'log-level': { env: 'LOG_LEVEL', fallback: 'info', parse: oneOf(LOG_LEVELS), help: LOG_LEVELS.join(', ') },
  'tls-cert': {
    env: 'JNHP_TLS_CERT',
    fallback: '',
    parse: optional(text),
    help: 'PEM certificate (chain): the HTTP port speaks HTTPS and WSS only (with --tls-key)',
  },
  'tls-key': { env: 'JNHP_TLS_KEY', fallback: '', parse: optional(text), help: 'PEM private key of --tls-cert' },
  'tls-port': {
    env: 'JNHP_TLS_PORT',
    fallback: '',
    parse: optional(port),
    help: 'JNHP over TLS, beside --tcp-port (needs --tls-cert and --tls-key; 0: any free port)',
  },
} as const satisfies Record<string, Option<unknown>>;

type Flag = keyof typeof OPTIONS;

export function usage(): string {
  const rows = Object.entries(OPTIONS).map(([flag, o]) => {
    const shown = o.fallback === '' ? '' : ` (default ${o.fallback})`;
    return `  --${flag.padEnd(29)} ${o.env.padEnd(33)} ${o.help}${shown}`;
  });
  return [
    'Usage: jnhp-gateway [options]',
    '       jnhp-gateway token',
    '',
    `  ${'flag'.padEnd(31)} ${'env'.padEnd(33)}`,
    ...rows,
    '  --help',
    `  ${'--version'.padEnd(65)} print the version and exit`,
  ].join('\n');
}

/** Reads the configuration; throws ConfigError on anything it cannot use. */
export function parseConfig(argv: readonly string[], env: NodeJS.ProcessEnv): Config {
  let values: Record<string, string | string[] | boolean | undefined>;
  try {
    const options = Object.fromEntries(
      Object.keys(OPTIONS).map((flag) => [flag, { type: 'string', multiple: flag === 'validator' } as const]),
    );
    ({ values } = parseArgs({ args: [...argv], options, strict: true, allowPositionals: false }));
  } catch (err) {
    throw new ConfigError((err as Error).message.split('\n')[0]);
  }
  const get = <F extends Flag>(flag: F): ReturnType<(typeof OPTIONS)[F]['parse']> => {
    const option: Option<unknown> = OPTIONS[flag];
    const given = values[flag];
    const fromEnv = env[option.env];
    const raw = Array.isArray(given)
      ? given.join('\n')
      : typeof given === 'string'
        ? given
        : (fromEnv ?? option.fallback);
    return option.parse(raw, flag) as ReturnType<(typeof OPTIONS)[F]['parse']>;
  };
  return {
    host: get('host'),
    tcpPort: get('tcp-port'),
    httpPort: get('http-port'),
    store: get('store'),
    dataDir: get('data-dir'),
    redisUrl: get('redis-url'),
    redisPrefix: get('redis-prefix'),
    redisCacheNames: get('redis-cache-names'),
    storeTimeoutMs: get('store-timeout-ms'),
    validators: get('validator'),
    validatorTimeoutMs: get('validator-timeout-ms'),
    validatorConcurrency: get('validator-concurrency'),
    validatorFailure: get('validator-failure'),
    validatorQueue: get('validator-queue'),
    validatorEnv: get('validator-env'),
    validatorWorkers: get('validator-workers'),
    validatorHelpers: get('validator-helpers'),
    maxLineBytes: get('max-line-bytes'),
    maxConnections: get('max-connections'),
    drainTimeoutMs: get('drain-timeout-ms'),
    maxClientMemory: get('max-client-memory'),
    idleTimeoutMs: get('idle-timeout-ms'),
    aclFile: get('acl-file'),
    allowedOrigins: get('allowed-origins'),
    storeRate: get('store-rate'),
    maxConnectionsPerAddress: get('max-connections-per-address'),
    logLevel: get('log-level'),
    ...tlsSettings(get('tls-cert'), get('tls-key'), get('tls-port')),
  };
}

function tlsSettings(
  certFile: string | null,
  keyFile: string | null,
  tlsPort: number | null,
): Pick<Config, 'tls' | 'tlsPort'> {
  if ((certFile === null) !== (keyFile === null)) {
    throw new ConfigError(
      `--tls-cert and --tls-key go together: ${certFile === null ? '--tls-cert' : '--tls-key'} is missing`,
    );
  }
  const tls = certFile !== null && keyFile !== null ? { certFile, keyFile } : null;
  if (tlsPort !== null && tls === null) throw new ConfigError('--tls-port needs --tls-cert and --tls-key');
  return { tls, tlsPort };
}
