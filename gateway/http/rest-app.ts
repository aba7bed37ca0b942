// REST over the same Engine as the line protocol (SPEC section 3), and the
// health, readiness and metrics endpoints, as one hono app.

import { isUtf8 } from 'node:buffer';
import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';
import type { HttpBindings } from '@hono/node-server';
import { type Context, Hono } from 'hono';
import { type AccessControl, EVERYONE, permissionDenied, rateLimited } from '../../core/access/access-control.js';
import { type AclUser, Permission } from '../../core/access/acl.js';
import { type CommandObserver, Outcome } from '../../core/command-observer.js';
import type { Engine, StoreOutcome } from '../../core/engine.js';
import { ErrorCode, JnhpError, toJnhpError } from '../../core/errors.js';
import { Name } from '../../core/name.js';
import { Op } from '../../core/protocol/command.js';
import { checkName, checkValue, checkValueText } from '../../core/protocol/rules.js';
import type { MaybePromise } from '../../core/store/store.js';
import { type ClientInfo, Transport } from '../../core/validation/validation.js';
import { ASK_FOR_TOKEN, BAD_TOKEN, ConnectionTokens } from './bearer.js';
import { OriginPolicy } from './origin-policy.js';
import { HttpProblem, PROBLEM_CONTENT_TYPE, type Problem, type ProblemCode, problem, problemOf } from './problem.js';
import { type Body, GONE, readBody, TOO_LARGE } from './read-body.js';
import { addStaticRoutes } from './static-routes.js';

export interface RestOptions {
  readonly engine: Engine;
  readonly maxLineBytes: number;
  readonly observer: CommandObserver;
  /** Null when ready, else why not. */
  readonly notReady: () => Promise<string | null>;
  readonly metrics: { readonly contentType: string; render(): Promise<string> };
  readonly onInternalError: (err: unknown) => void;
  /** The ACL and --store-rate; without it everyone may do everything. */
  readonly access?: AccessControl;
  /** Which browser origins get CORS answers; without it only the gateway's own. */
  readonly origins?: OriginPolicy;
}

type Env = { Bindings: HttpBindings };

const KEYS = '/keys/';
/** Hono's own path of a request, for every route but `/keys/`. */
const honoPath = new Hono().getPath;

/**
 * The path hono routes by: every `/keys` URL is the one static route `/keys/`
 * (a map lookup, where a wildcard route costs a regular expression per request);
 * the handler reads the name from the URL itself.
 */
function routePath(request: Request): string {
  const url = request.url;
  const start = url.indexOf('/', url.indexOf(':') + 3);
  if (url.startsWith('/keys', start)) {
    const after = url.charCodeAt(start + 5);
    // '/', '?', '#' or the end: what hono's `/keys/*` matched.
    if (after === 0x2f || after === 0x3f || after === 0x23 || Number.isNaN(after)) return KEYS;
  }
  return honoPath(request);
}
const TEXT = { 'Content-Type': 'text/plain; charset=utf-8' };
const JSON_TYPE = { 'Content-Type': 'application/json' };
const PROBLEM = { 'Content-Type': PROBLEM_CONTENT_TYPE };
const ALLOWED = 'GET, HEAD, PUT';
const CORS_ALLOWED_HEADERS = 'Authorization, Content-Type';
/** How long a browser may keep a preflight's answer, in seconds. */
const CORS_MAX_AGE = '600';

const respond = (p: Problem, headers: Record<string, string> = PROBLEM): Response =>
  new Response(p.body, { status: p.status, headers });

const secondsSince = (started: number): number => (performance.now() - started) / 1000;

/** The name in a `/keys/{name}` URL, percent-decoded and checked. */
function keyName(url: string): Name | Problem {
  const start = url.indexOf('/', url.indexOf('//') + 2) + KEYS.length;
  const query = url.indexOf('?', start);
  // `/keys` without its slash (`/keys?x` too) names nothing.
  const encoded = url.charCodeAt(start - 1) !== 0x2f ? '' : query === -1 ? url.slice(start) : url.slice(start, query);
  let text = encoded;
  if (encoded.includes('%')) {
    try {
      text = decodeURIComponent(encoded);
    } catch {
      return problem(ErrorCode.BadName, 'name holds a malformed percent-escape or is not UTF-8');
    }
  }
  const name = Name.of(text);
  const wrong = checkName(name.buf, 0, name.byteLength);
  return wrong === null ? name : problem(wrong.code, wrong.reason);
}

/** The first value of header `field` (lower case), read from the raw headers: no header object is built. */
function rawHeader(raw: readonly string[], field: string): string | undefined {
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i] as string;
    if (name.length === field.length && name.toLowerCase() === field) return raw[i + 1];
  }
  return undefined;
}

/** Who asks, for validators; the address is looked up only if one asks for it. */
class HttpClient implements ClientInfo {
  readonly transport = Transport.Http;
  constructor(
    private readonly incoming: IncomingMessage,
    readonly user: string,
  ) {}
  get remoteAddress(): string {
    return this.incoming.socket.remoteAddress ?? '';
  }
}

/** The value a PUT body carries: the body itself, or `value` of a JSON object. */
function bodyValue(body: Buffer, contentType: string | undefined): string | Problem {
  if (contentType === undefined || !/^application\/([\w.+-]+\+)?json\b/i.test(contentType)) {
    const wrong = checkValue(body, 0, body.length);
    return wrong === null ? body.toString('utf8') : problem(wrong.code, wrong.reason);
  }
  // JSON may spread over lines, so only its UTF-8 is checked here; the value's own rule comes after.
  if (!isUtf8(body)) return problem(ErrorCode.InvalidUtf8, 'value is not valid UTF-8');
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    return problem(ErrorCode.BadValue, 'body is not valid JSON');
  }
  const field = typeof parsed === 'object' && parsed !== null ? (parsed as { value?: unknown }).value : undefined;
  if (typeof field !== 'string') return problem(ErrorCode.BadValue, 'JSON body must be {"value": "..."}');
  const wrong = checkValueText(field);
  return wrong === null ? field : problem(wrong.code, wrong.reason);
}

/** CORS answer headers for an allowed `origin` (hono's `cors` middleware would build a Headers object for every request, Origin or not). */
function allowOrigin(response: Response, origin: string): Response {
  const headers = response.headers;
  headers.set('Access-Control-Allow-Origin', origin);
  headers.set('Access-Control-Expose-Headers', 'Location');
  headers.append('Vary', 'Origin');
  return response;
}

function preflight(origin: string): Response {
  return new Response(null, {
    status: 204,
    headers: {
      'Access-Control-Allow-Origin': origin,
      'Access-Control-Allow-Methods': ALLOWED,
      'Access-Control-Allow-Headers': CORS_ALLOWED_HEADERS,
      'Access-Control-Max-Age': CORS_MAX_AGE,
      Vary: 'Origin',
    },
  });
}

const isSecure = (incoming: IncomingMessage): boolean => (incoming.socket as TLSSocket).encrypted === true;

export function createRestApp(options: RestOptions): Hono<Env> {
  const { engine, observer, maxLineBytes } = options;
  const rules = options.access ?? null;
  /** Null without an ACL file: then nothing needs checking. */
  const access = rules?.hasAcl === true ? rules : null;
  const tokens = access === null ? null : new ConnectionTokens(access);
  const app = new Hono<Env>({ getPath: routePath });

  const observe = (op: Op, outcome: Outcome, seconds: number | null): void =>
    observer.observe(Transport.Http, op, outcome, seconds);

  const invalid = (p: Problem): Response => {
    observe(Op.Invalid, Outcome.Invalid, null);
    return respond(p);
  };

  const failed = (op: Op, err: unknown, seconds: number | null): Response => {
    observe(op, Outcome.Error, seconds);
    const error = toJnhpError(err);
    if (error.code === ErrorCode.Internal) options.onInternalError(err);
    return respond(problemOf(error));
  };

  /** Runs `call` and answers with `answer`, timing only what does not settle at once. */
  const run = <T>(op: Op, call: () => MaybePromise<T>, answer: (value: T, seconds: number | null) => Response) => {
    let result: MaybePromise<T>;
    try {
      result = call();
    } catch (err) {
      return failed(op, err, null);
    }
    if (!(result instanceof Promise)) return answer(result, null);
    const started = performance.now();
    return result.then(
      (value) => answer(value, secondsSince(started)),
      (err: unknown) => failed(op, err, secondsSince(started)),
    );
  };

  const answerGet = (c: Context<Env>, name: Name, value: string | undefined, seconds: number | null): Response => {
    if (value === undefined) {
      observe(Op.Get, Outcome.Miss, seconds);
      return respond(problem(HttpProblem.NotFound, `no name '${name.text}'`));
    }
    observe(Op.Get, Outcome.Hit, seconds);
    if (rawHeader(c.env.incoming.rawHeaders, 'accept')?.includes('application/json')) {
      return new Response(JSON.stringify({ name: name.text, value }), { headers: JSON_TYPE });
    }
    return new Response(value, { headers: TEXT });
  };

  // The hottest route, spelt out: a value the store has at hand is answered without a Promise or a closure.
  const get = (c: Context<Env>, name: Name): Response | Promise<Response> => {
    let value: MaybePromise<string | undefined>;
    try {
      value = engine.get(name);
    } catch (err) {
      return failed(Op.Get, err, null);
    }
    if (!(value instanceof Promise)) return answerGet(c, name, value, null);
    const started = performance.now();
    return value.then(
      (found) => answerGet(c, name, found, secondsSince(started)),
      (err: unknown) => failed(Op.Get, err, secondsSince(started)),
    );
  };

  const head = (name: Name) =>
    run(
      Op.Exists,
      () => engine.exists(name),
      (present, seconds) => {
        observe(Op.Exists, present ? Outcome.Present : Outcome.Absent, seconds);
        return new Response(null, { status: present ? 200 : 404 });
      },
    );

  /** A refusal that ends the connection: a PUT's body is never read after it. */
  const refuse = (method: string, p: Problem, headers: Record<string, string> = PROBLEM): Response =>
    respond(p, method === 'PUT' ? { ...headers, Connection: 'close' } : headers);

  /**
   * The user a request acts as, or its refusal: no token and `default` may
   * not do it is 401 asking for one, a bad token 401, a user who may not 403.
   */
  const authorize = (incoming: IncomingMessage, method: string, op: Op, name: Name): AclUser | Response => {
    if (access === null || tokens === null) return EVERYONE;
    const raw = incoming.rawHeaders;
    const permission = op === Op.Store ? Permission.Write : Permission.Read;
    const header = rawHeader(raw, 'authorization');
    if (header === undefined) {
      const user = access.anonymous();
      if (user?.may(permission, name)) return user;
      observe(op, Outcome.Denied, null);
      const detail = 'a token is needed: Authorization: Bearer <token>';
      return refuse(method, problem(HttpProblem.Unauthorized, detail), {
        ...PROBLEM,
        'WWW-Authenticate': ASK_FOR_TOKEN,
      });
    }
    const user = tokens.authenticate(incoming.socket, header);
    if (user === null) {
      observe(Op.Auth, Outcome.Refused, null);
      const detail = 'the token names no enabled user';
      return refuse(method, problem(HttpProblem.Unauthorized, detail), { ...PROBLEM, 'WWW-Authenticate': BAD_TOKEN });
    }
    if (user.may(permission, name)) return user;
    observe(op, Outcome.Denied, null);
    return refuse(method, problemOf(permissionDenied(user.name, permission, name)));
  };

  const STORE_PROBLEMS: Record<Exclude<StoreOutcome, 'stored'>, ProblemCode> = {
    exists: HttpProblem.NameExists,
    refused: HttpProblem.Refused,
    failed: HttpProblem.ValidatorFailed,
  };
  const STORE_DETAILS: Record<Exclude<StoreOutcome, 'stored'>, string> = {
    exists: 'the name exists; names are write-once',
    refused: 'a validator refused the value',
    failed: 'a validator failed or timed out',
  };

  const stored = (name: Name, outcome: StoreOutcome, seconds: number | null): Response => {
    observe(Op.Store, outcome, seconds);
    if (outcome === 'stored') {
      return new Response('', { status: 201, headers: { Location: `${KEYS}${encodeURIComponent(name.text)}` } });
    }
    return respond(problem(STORE_PROBLEMS[outcome], STORE_DETAILS[outcome]));
  };

  /** A PUT once its body is read. */
  const putBody = (incoming: IncomingMessage, name: Name, user: string, body: Body): MaybePromise<Response> => {
    if (body === GONE) return new Response(null, { status: 400 });
    if (body === TOO_LARGE) {
      observe(Op.Invalid, Outcome.Invalid, null);
      const p = problem(ErrorCode.LineTooLong, `value longer than ${maxLineBytes} bytes (see --max-line-bytes)`);
      // The rest of the body is never read: the connection ends with this answer.
      return respond(p, { ...PROBLEM, Connection: 'close' });
    }
    const value = bodyValue(body, rawHeader(incoming.rawHeaders, 'content-type'));
    if (typeof value !== 'string') return invalid(value);
    const client = new HttpClient(incoming, user);
    const limiter = rules?.limiter ?? null;
    if (limiter !== null) {
      const wait = (rules as AccessControl).limitStore(user, client.remoteAddress);
      if (wait > 0) {
        observe(Op.Store, Outcome.RateLimited, null);
        return respond(problemOf(rateLimited(limiter.rate)), { ...PROBLEM, 'Retry-After': String(wait) });
      }
    }
    let outcome: MaybePromise<StoreOutcome>;
    try {
      outcome = engine.store(name, value, client);
    } catch (err) {
      return failed(Op.Store, err, null);
    }
    if (!(outcome instanceof Promise)) return stored(name, outcome, null);
    const started = performance.now();
    return outcome.then(
      (settled) => stored(name, settled, secondsSince(started)),
      (err: unknown) => failed(Op.Store, err, secondsSince(started)),
    );
  };

  // The body is read from Node's request itself: one Promise, settled with its last byte.
  const put = (c: Context<Env>, name: Name, user: string): Promise<Response> => {
    const incoming = c.env.incoming;
    return new Promise((resolve, reject) =>
      readBody(incoming, maxLineBytes, (body) => {
        try {
          resolve(putBody(incoming, name, user, body));
        } catch (err) {
          reject(err);
        }
      }),
    );
  };

  const keys = (c: Context<Env>, method: string): MaybePromise<Response> => {
    if (method !== 'GET' && method !== 'HEAD' && method !== 'PUT') {
      return respond(problem(HttpProblem.MethodNotAllowed, `allowed: ${ALLOWED}`), { ...PROBLEM, Allow: ALLOWED });
    }
    const name = keyName(c.req.url);
    if (!(name instanceof Name)) return invalid(name);
    const op = method === 'GET' ? Op.Get : method === 'PUT' ? Op.Store : Op.Exists;
    const user = authorize(c.env.incoming, method, op, name);
    if (user instanceof Response) return user;
    if (op === Op.Get) return get(c, name);
    return op === Op.Store ? put(c, name, user.name) : head(name);
  };

  const origins = options.origins ?? new OriginPolicy([]);
  // One handler for every method: a single match keeps hono on its fast path.
  app.all(KEYS, (c): MaybePromise<Response> => {
    const method = c.req.method;
    const raw = c.env.incoming.rawHeaders;
    const origin = rawHeader(raw, 'origin');
    if (origin === undefined) return keys(c, method);
    // A browser: CORS (SPEC section 9).
    const allowed = origins.allows(origin, rawHeader(raw, 'host'), isSecure(c.env.incoming));
    if (method === 'OPTIONS') {
      if (allowed) return preflight(origin);
      return respond(problem(HttpProblem.OriginNotAllowed, `origin ${origin} is not allowed (see --allowed-origins)`));
    }
    if (!allowed) {
      if (method === 'PUT') {
        const p = problem(HttpProblem.OriginNotAllowed, `origin ${origin} may not write (see --allowed-origins)`);
        return refuse(method, p);
      }
      return keys(c, method);
    }
    const response = keys(c, method);
    return response instanceof Promise ? response.then((r) => allowOrigin(r, origin)) : allowOrigin(response, origin);
  });

  app.get('/healthz', () => new Response('ok\n', { headers: TEXT }));
  app.get('/readyz', async () => {
    const reason = await options.notReady();
    if (reason === null) return new Response('ready\n', { headers: TEXT });
    return respond(problem(HttpProblem.NotReady, reason));
  });
  app.get('/metrics', async () => {
    const text = await options.metrics.render();
    return new Response(text, { headers: { 'Content-Type': options.metrics.contentType } });
  });

  addStaticRoutes(app);

  app.notFound((c) => respond(problem(HttpProblem.NoSuchRoute, `no route for ${c.req.method} ${c.req.path}`)));
  app.onError((err) => {
    options.onInternalError(err);
    return respond(problemOf(err instanceof JnhpError ? err : toJnhpError(err)));
  });
  return app;
}
