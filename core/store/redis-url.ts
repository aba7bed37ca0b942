// --redis-url in its four forms: one server, TLS, Sentinel and Cluster. Parsed
// here rather than by ioredis, so that no query parameter can switch off the
// settings the store relies on (offline queue, resends).

export const RedisMode = { Standalone: 'standalone', Sentinel: 'sentinel', Cluster: 'cluster' } as const;
export type RedisMode = (typeof RedisMode)[keyof typeof RedisMode];

export interface RedisHost {
  readonly host: string;
  readonly port: number;
}

export interface RedisTarget {
  readonly mode: RedisMode;
  readonly tls: boolean;
  /** The server, the Sentinels, or the Cluster's seed nodes. */
  readonly hosts: readonly RedisHost[];
  readonly username: string | undefined;
  readonly password: string | undefined;
  readonly db: number;
  /** Sentinel only: the monitored master's name and the Sentinels' own credentials. */
  readonly masterName: string | undefined;
  readonly sentinelUsername: string | undefined;
  readonly sentinelPassword: string | undefined;
}

export class RedisUrlError extends Error {
  override name = 'RedisUrlError';
}

const SCHEMES: Record<string, { mode: RedisMode; tls: boolean; port: number }> = {
  redis: { mode: RedisMode.Standalone, tls: false, port: 6379 },
  rediss: { mode: RedisMode.Standalone, tls: true, port: 6379 },
  'redis-sentinel': { mode: RedisMode.Sentinel, tls: false, port: 26379 },
  'rediss-sentinel': { mode: RedisMode.Sentinel, tls: true, port: 26379 },
  'redis-cluster': { mode: RedisMode.Cluster, tls: false, port: 6379 },
  'rediss-cluster': { mode: RedisMode.Cluster, tls: true, port: 6379 },
};

const QUERY: Record<RedisMode, readonly string[]> = {
  standalone: [],
  sentinel: ['sentinelUsername', 'sentinelPassword'],
  cluster: [],
};

/** A user's description of a URL form, for error messages and --help. */
export const REDIS_URL_FORMS =
  'redis[s]://[[user]:password@]host[:port][/db], redis[s]-sentinel://[[user]:password@]host[:port][,host[:port]...]/master[/db], redis[s]-cluster://[[user]:password@]host[:port][,host[:port]...]';

/** Reads a --redis-url; throws RedisUrlError with a one-line reason. */
export function parseRedisUrl(url: string): RedisTarget {
  const match = /^([a-z-]+):\/\/([^/?#]*)([^?#]*)(?:\?([^#]*))?$/i.exec(url);
  if (match === null) throw new RedisUrlError(`expected ${REDIS_URL_FORMS}`);
  const [, rawScheme = '', authority = '', path = '', query] = match;
  const scheme = SCHEMES[rawScheme.toLowerCase()];
  if (scheme === undefined) {
    throw new RedisUrlError(`unknown scheme '${rawScheme}://'; expected ${Object.keys(SCHEMES).join(', ')}`);
  }
  const at = authority.lastIndexOf('@');
  const userInfo = at === -1 ? undefined : authority.slice(0, at);
  const hosts = splitHosts(at === -1 ? authority : authority.slice(at + 1), scheme.port);
  if (scheme.mode === RedisMode.Standalone && hosts.length > 1) {
    throw new RedisUrlError('several hosts need redis-sentinel:// or redis-cluster://');
  }
  const { username, password } = splitUserInfo(userInfo);
  const segments = path.split('/').filter((s) => s !== '');
  let masterName: string | undefined;
  if (scheme.mode === RedisMode.Sentinel) {
    masterName = segments.shift();
    if (masterName === undefined)
      throw new RedisUrlError('a Sentinel URL names its master: redis-sentinel://host/master');
    masterName = decode(masterName);
  }
  const dbSegment = segments.shift();
  if (segments.length > 0) throw new RedisUrlError(`unexpected path '${path}'`);
  const db = dbSegment === undefined ? 0 : Number(dbSegment);
  if (!Number.isInteger(db) || db < 0 || db > 100_000) throw new RedisUrlError(`bad database number '${dbSegment}'`);
  if (scheme.mode === RedisMode.Cluster && db !== 0) throw new RedisUrlError('a Redis Cluster has database 0 only');
  const params = new URLSearchParams(query ?? '');
  for (const key of params.keys()) {
    if (!QUERY[scheme.mode].includes(key)) {
      const allowed = QUERY[scheme.mode];
      throw new RedisUrlError(
        `unknown parameter '${key}'${allowed.length > 0 ? ` (known: ${allowed.join(', ')})` : ' (none are known)'}`,
      );
    }
  }
  return {
    mode: scheme.mode,
    tls: scheme.tls,
    hosts,
    username,
    password,
    db,
    masterName,
    sentinelUsername: params.get('sentinelUsername') ?? undefined,
    sentinelPassword: params.get('sentinelPassword') ?? undefined,
  };
}

function splitHosts(list: string, defaultPort: number): RedisHost[] {
  if (list === '') throw new RedisUrlError('no host');
  return list.split(',').map((item) => {
    const m = /^(\[[0-9a-f:.]+\]|[^:[\]]+)(?::(\d+))?$/i.exec(item);
    if (m === null) throw new RedisUrlError(`bad host '${item}'`);
    const [, host = '', port] = m;
    const number = port === undefined ? defaultPort : Number(port);
    if (number < 1 || number > 65535) throw new RedisUrlError(`bad port in '${item}'`);
    return { host: host.startsWith('[') ? host.slice(1, -1) : host, port: number };
  });
}

function splitUserInfo(userInfo: string | undefined): { username?: string; password?: string } {
  if (userInfo === undefined) return {};
  const colon = userInfo.indexOf(':');
  if (colon === -1) {
    throw new RedisUrlError('write a password as redis://:password@host, or redis://user:password@host with a user');
  }
  return {
    username: nonEmpty(decode(userInfo.slice(0, colon))),
    password: nonEmpty(decode(userInfo.slice(colon + 1))),
  };
}

function nonEmpty(s: string): string | undefined {
  return s === '' ? undefined : s;
}

function decode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    throw new RedisUrlError('bad percent-encoding');
  }
}

/** The URL without its password, for logs. */
export function describeRedisTarget(target: RedisTarget): string {
  const scheme = Object.entries(SCHEMES).find(([, s]) => s.mode === target.mode && s.tls === target.tls)?.[0];
  const hosts = target.hosts.map((h) => (h.host.includes(':') ? `[${h.host}]:${h.port}` : `${h.host}:${h.port}`));
  const user = target.username !== undefined || target.password !== undefined ? `${target.username ?? ''}:***@` : '';
  const path = [target.masterName, target.db !== 0 ? String(target.db) : undefined].filter((s) => s !== undefined);
  return `${scheme}://${user}${hosts.join(',')}${path.length > 0 ? `/${path.join('/')}` : ''}`;
}
