// REST over the same Engine as the line protocol (SPEC section 3), and the
// health, readiness and metrics endpoints, as one hono app.

import { isUtf8 } from 'node:buffer';
import type { IncomingMessage } from 'node:http';
import type { HttpBindings } from '@hono/node-server';
import { type Context, Hono } from 'hono';
import { type CommandObserver, Outcome } from '../../core/command-observer.js';
import type { Engine, StoreOutcome } from '../../core/engine.js';
import { ErrorCode, JnhpError, toJnhpError } from '../../core/errors.js';
import { Name } from '../../core/name.js';
import { Op } from '../../core/protocol/command.js';
import { nameProblem, valueProblem } from '../../core/protocol/limits.js';
import type { MaybePromise } from '../../core/store/store.js';
import { type ClientInfo, DEFAULT_USER, Transport } from '../../core/validation/validation.js';
import { HttpProblem, PROBLEM_CONTENT_TYPE, type Problem, type ProblemCode, problem, problemOf } from './problem.js';
import { readBody, TOO_LARGE } from './read-body.js';

export interface RestOptions {
  readonly engine: Engine;
  readonly maxLineBytes: number;
  readonly observer: CommandObserver;
  /** Null when ready, else why not. */
  readonly notReady: () => Promise<string | null>;
  readonly metrics: { readonly contentType: string; render(): Promise<string> };
  readonly onInternalError: (err: unknown) => void;
}

type Env = { Bindings: HttpBindings };

const KEYS = '/keys/';
const TEXT = { 'Content-Type': 'text/plain; charset=utf-8' };
const JSON_TYPE = { 'Content-Type': 'application/json' };
const PROBLEM = { 'Content-Type': PROBLEM_CONTENT_TYPE };
const ALLOWED = 'GET, HEAD, PUT';
/** A JSON string may hold `\ud800`, which no UTF-8 byte sequence encodes. */
const LONE_SURROGATE = /\p{Cs}/u;

const respond = (p: Problem, headers: Record<string, string> = PROBLEM): Response =>
  new Response(p.body, { status: p.status, headers });

const secondsSince = (started: number): number => (performance.now() - started) / 1000;

/** The name in a `/keys/{name}` URL, percent-decoded and checked. */
function keyName(url: string): Name | Problem {
  const start = url.indexOf('/', url.indexOf('//') + 2) + KEYS.length;
  const query = url.indexOf('?', start);
  const encoded = query === -1 ? url.slice(start) : url.slice(start, query);
  let text = encoded;
  if (encoded.includes('%')) {
    try {
      text = decodeURIComponent(encoded);
    } catch {
      return problem(ErrorCode.BadName, 'name holds a malformed percent-escape or is not UTF-8');
    }
  }
  const wrong = nameProblem(text, Buffer.byteLength(text));
  return wrong === null ? Name.of(text) : problem(ErrorCode.BadName, wrong);
}

/** Who asks, for validators; the address is looked up only if one asks for it. */
class HttpClient implements ClientInfo {
  readonly transport = Transport.Http;
  readonly user = DEFAULT_USER;
  constructor(private readonly incoming: IncomingMessage) {}
  get remoteAddress(): string {
    return this.incoming.socket.remoteAddress ?? '';
  }
}

/** The value a PUT body carries: the body itself, or `value` of a JSON object. */
function bodyValue(body: Buffer, contentType: string | undefined): string | Problem {
  if (!isUtf8(body)) return problem(ErrorCode.InvalidUtf8, 'value is not valid UTF-8');
  let value = body.toString('utf8');
  if (contentType !== undefined && /^application\/([\w.+-]+\+)?json\b/i.test(contentType)) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(value);
    } catch {
      return problem(ErrorCode.BadValue, 'body is not valid JSON');
    }
    const field = typeof parsed === 'object' && parsed !== null ? (parsed as { value?: unknown }).value : undefined;
    if (typeof field !== 'string') return problem(ErrorCode.BadValue, 'JSON body must be {"value": "..."}');
    if (LONE_SURROGATE.test(field)) return problem(ErrorCode.InvalidUtf8, 'value is not valid UTF-8');
    value = field;
  }
  const wrong = valueProblem(value);
  return wrong === null ? value : problem(ErrorCode.BadValue, wrong);
}

export function createRestApp(options: RestOptions): Hono<Env> {
  const { engine, observer, maxLineBytes } = options;
  const app = new Hono<Env>();

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
    // Node's header object: @hono/node-server has built it already (it reads Host), so a lookup is all this costs.
    if (c.env.incoming.headers.accept?.includes('application/json')) {
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

  const put = async (c: Context<Env>, name: Name): Promise<Response> => {
    let body: Buffer | typeof TOO_LARGE;
    try {
      body = await readBody(c.env.incoming, maxLineBytes);
    } catch {
      return new Response(null, { status: 400 });
    }
    if (body === TOO_LARGE) {
      observe(Op.Invalid, Outcome.Invalid, null);
      const p = problem(ErrorCode.LineTooLong, `value longer than ${maxLineBytes} bytes (see --max-line-bytes)`);
      // The rest of the body is never read: the connection ends with this answer.
      return respond(p, { ...PROBLEM, Connection: 'close' });
    }
    const value = bodyValue(body, c.env.incoming.headers['content-type']);
    if (typeof value !== 'string') return invalid(value);
    const client = new HttpClient(c.env.incoming);
    return run(
      Op.Store,
      () => engine.store(name, value, client),
      (outcome, seconds) => {
        observe(Op.Store, outcome, seconds);
        if (outcome === 'stored') {
          return new Response('', { status: 201, headers: { Location: `${KEYS}${encodeURIComponent(name.text)}` } });
        }
        return respond(problem(STORE_PROBLEMS[outcome], STORE_DETAILS[outcome]));
      },
    );
  };

  // One handler for every method: a single match keeps hono on its fast path.
  app.all('/keys/*', (c) => {
    const method = c.req.method;
    if (method !== 'GET' && method !== 'HEAD' && method !== 'PUT') {
      return respond(problem(HttpProblem.MethodNotAllowed, `allowed: ${ALLOWED}`), { ...PROBLEM, Allow: ALLOWED });
    }
    const name = keyName(c.req.url);
    if (!(name instanceof Name)) return invalid(name);
    if (method === 'GET') return get(c, name);
    return method === 'PUT' ? put(c, name) : head(name);
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

  app.notFound((c) => respond(problem(HttpProblem.NoSuchRoute, `no route for ${c.req.method} ${c.req.path}`)));
  app.onError((err) => {
    options.onInternalError(err);
    return respond(problemOf(err instanceof JnhpError ? err : toJnhpError(err)));
  });
  return app;
}
