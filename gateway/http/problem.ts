// RFC 9457 problem details: the one place where core error codes and command
// outcomes become HTTP statuses.

import { ErrorCode, type JnhpError } from '../../core/errors.js';

/** Problems only REST has: outcomes and routing, beside the core's error codes. */
export const HttpProblem = {
  NameExists: 'name_exists',
  Refused: 'refused',
  ValidatorFailed: 'validator_failed',
  NotFound: 'not_found',
  NoSuchRoute: 'no_such_route',
  MethodNotAllowed: 'method_not_allowed',
  NotReady: 'not_ready',
  /** No token, or one that names no enabled user (401). */
  Unauthorized: 'unauthorized',
  /** A request from an origin not allowed by --allowed-origins (SPEC section 9). */
  OriginNotAllowed: 'origin_not_allowed',
} as const;
export type HttpProblem = (typeof HttpProblem)[keyof typeof HttpProblem];

export type ProblemCode = ErrorCode | HttpProblem;

interface ProblemKind {
  readonly status: number;
  readonly title: string;
}

const KINDS: Record<ProblemCode, ProblemKind> = {
  [ErrorCode.UnknownCommand]: { status: 400, title: 'Unknown command' },
  [ErrorCode.WrongArguments]: { status: 400, title: 'Wrong arguments' },
  [ErrorCode.BadName]: { status: 400, title: 'Bad name' },
  [ErrorCode.BadValue]: { status: 400, title: 'Bad value' },
  [ErrorCode.InvalidUtf8]: { status: 400, title: 'Invalid UTF-8' },
  [ErrorCode.LineTooLong]: { status: 413, title: 'Value too long' },
  [ErrorCode.StorageUnavailable]: { status: 503, title: 'Storage unavailable' },
  [ErrorCode.ValidatorOverloaded]: { status: 503, title: 'Validators overloaded' },
  [ErrorCode.TooManyConnections]: { status: 503, title: 'Too many connections' },
  [ErrorCode.Forbidden]: { status: 403, title: 'Forbidden' },
  [ErrorCode.RateLimited]: { status: 429, title: 'Rate limit exceeded' },
  [ErrorCode.Internal]: { status: 500, title: 'Internal error' },
  [HttpProblem.NameExists]: { status: 409, title: 'Name exists' },
  [HttpProblem.Refused]: { status: 403, title: 'Refused by a validator' },
  [HttpProblem.ValidatorFailed]: { status: 503, title: 'Validator failed' },
  [HttpProblem.NotFound]: { status: 404, title: 'Name not found' },
  [HttpProblem.NoSuchRoute]: { status: 404, title: 'Not found' },
  [HttpProblem.MethodNotAllowed]: { status: 405, title: 'Method not allowed' },
  [HttpProblem.NotReady]: { status: 503, title: 'Not ready' },
  [HttpProblem.Unauthorized]: { status: 401, title: 'Unauthorized' },
  [HttpProblem.OriginNotAllowed]: { status: 403, title: 'Origin not allowed' },
};

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

export interface Problem {
  readonly status: number;
  /** The JSON body. */
  readonly body: string;
}

/** Each body up to its detail, made once: a 404 per absent name builds only its detail. */
const BODY_STARTS = new Map<ProblemCode, string>(
  (Object.keys(KINDS) as ProblemCode[]).map((code) => {
    const { status, title } = KINDS[code];
    const start = JSON.stringify({ type: `urn:jnhp:problem:${code}`, title, status, detail: '' });
    return [code, start.slice(0, start.length - '""}'.length)];
  }),
);

/** The problem for `code`; `detail` says what happened in this request. */
export function problem(code: ProblemCode, detail: string): Problem {
  return { status: KINDS[code].status, body: `${BODY_STARTS.get(code)}${JSON.stringify(detail)}}` };
}

export function problemOf(error: JnhpError): Problem {
  return problem(error.code, error.message);
}
