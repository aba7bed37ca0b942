// The OpenAPI 3.1 description of the HTTP port (SPEC sections 3, 8, 9, 12),
// served as /openapi.json. The problem types come from problem.ts, so a new
// one is listed without touching this file.

import { ErrorCode } from '../../core/errors.js';
import { PROBLEM_CODES, PROBLEM_CONTENT_TYPE, type ProblemCode } from './problem.js';

/** Codes only a line-protocol client sees: REST never answers them. */
const NOT_REST: readonly ProblemCode[] = [
  ErrorCode.UnknownCommand,
  ErrorCode.WrongArguments,
  ErrorCode.TooManyConnections,
  ErrorCode.ErrorReply,
  ErrorCode.Timeout,
  ErrorCode.ConnectionLost,
  ErrorCode.OutcomeUnknown,
  ErrorCode.AuthRefused,
];

const problemRef = { $ref: '#/components/schemas/Problem' };
const problemResponse = (description: string) => ({
  description,
  content: { [PROBLEM_CONTENT_TYPE]: { schema: problemRef } },
});
const text = (description: string, type = 'text/plain; charset=utf-8') => ({
  description,
  content: { [type]: { schema: { type: 'string' } } },
});
const ref = (name: string) => ({ $ref: `#/components/responses/${name}` });
const empty = (description: string, headers?: Record<string, unknown>) =>
  headers === undefined ? { description } : { description, headers };

/** Who may call: anyone as the `default` user, or a bearer token (SPEC section 8). */
const maybeToken = [{}, { bearer: [] }];
const noToken: unknown[] = [];

const nameParameter = {
  name: 'name',
  in: 'path',
  required: true,
  description: '1 to 250 bytes of UTF-8 without whitespace or control characters, percent-encoded',
  schema: { type: 'string', minLength: 1 },
};

const keyErrors = {
  '400': ref('BadRequest'),
  '401': ref('Unauthorized'),
  '403': ref('Forbidden'),
  '500': ref('Internal'),
  '503': ref('Unavailable'),
};

const notAllowed = (method: string) => ({
  summary: `${method} is not allowed on a name`,
  security: maybeToken,
  responses: {
    '405': {
      ...problemResponse('method_not_allowed'),
      headers: { Allow: { schema: { type: 'string', const: 'GET, HEAD, PUT' } } },
    },
  },
});

export function openApiDocument(version: string): Record<string, unknown> {
  const problemTypes = PROBLEM_CODES.filter((code) => !NOT_REST.includes(code)).map((c) => `urn:jnhp:problem:${c}`);
  return {
    openapi: '3.1.0',
    info: {
      title: 'JNHP gateway REST API',
      version,
      description:
        'Write-once names and values. The same store is served as the JNHP line protocol on TCP and on the WebSocket channel /ws.',
      license: { name: 'MIT', identifier: 'MIT' },
    },
    paths: {
      '/keys/{name}': {
        parameters: [nameParameter],
        put: {
          summary: 'Store a value under a name that does not exist yet',
          security: maybeToken,
          requestBody: {
            required: true,
            content: {
              'text/plain': { schema: { type: 'string', minLength: 1 } },
              'application/json': {
                schema: {
                  type: 'object',
                  required: ['value'],
                  properties: { value: { type: 'string', minLength: 1 } },
                },
              },
            },
          },
          responses: {
            '201': empty('stored', { Location: { schema: { type: 'string' }, description: '/keys/{name}' } }),
            ...keyErrors,
            '403': ref('ForbiddenOrRefused'),
            '409': problemResponse('name_exists: names are write-once'),
            '413': problemResponse('line_too_long: the body is longer than --max-line-bytes'),
            '429': {
              ...problemResponse('STOREs past --store-rate'),
              headers: { 'Retry-After': { schema: { type: 'integer' } } },
            },
          },
        },
        get: {
          summary: 'Read the value of a name',
          security: maybeToken,
          responses: {
            '200': {
              description: 'the value',
              content: {
                'text/plain; charset=utf-8': { schema: { type: 'string' } },
                'application/json': {
                  schema: {
                    type: 'object',
                    required: ['name', 'value'],
                    properties: { name: { type: 'string' }, value: { type: 'string' } },
                  },
                },
              },
            },
            '404': problemResponse('not_found: the name is absent'),
            ...keyErrors,
          },
        },
        head: {
          summary: 'Whether a name is stored',
          security: maybeToken,
          responses: { '200': empty('present'), '404': empty('absent'), ...keyErrors },
        },
        options: {
          summary: 'CORS preflight (SPEC section 9)',
          security: noToken,
          responses: {
            '204': empty('allowed', {
              'Access-Control-Allow-Methods': { schema: { type: 'string' } },
              'Access-Control-Allow-Headers': { schema: { type: 'string' } },
              'Access-Control-Max-Age': { schema: { type: 'integer' } },
            }),
            '403': problemResponse('origin_not_allowed'),
          },
        },
        post: notAllowed('POST'),
        delete: notAllowed('DELETE'),
        patch: notAllowed('PATCH'),
      },
      '/healthz': {
        get: { summary: 'Liveness', security: noToken, responses: { '200': text('ok while the process runs') } },
      },
      '/readyz': {
        get: {
          summary: 'Readiness',
          security: noToken,
          responses: {
            '200': text('ready: the store answers and the gateway is not draining'),
            '503': problemResponse('not_ready'),
          },
        },
      },
      '/metrics': {
        get: {
          summary: 'Prometheus metrics',
          security: noToken,
          responses: { '200': text('Prometheus text format', 'text/plain; version=0.0.4; charset=utf-8') },
        },
      },
      '/': {
        get: {
          summary: 'The console page',
          security: noToken,
          responses: { '200': text('HTML', 'text/html; charset=utf-8') },
        },
      },
      '/client.js': {
        get: {
          summary: 'The client library for browsers, one ES module',
          security: noToken,
          responses: { '200': text('JavaScript', 'text/javascript; charset=utf-8') },
        },
      },
      '/openapi.json': {
        get: {
          summary: 'This document',
          security: noToken,
          responses: {
            '200': { description: 'OpenAPI 3.1', content: { 'application/json': { schema: { type: 'object' } } } },
          },
        },
      },
      '/ws': {
        get: {
          summary: 'WebSocket upgrade to the JNHP line channel (SPEC section 2)',
          security: maybeToken,
          responses: {
            '101': empty('switching protocols'),
            '401': empty('a bearer token that is not valid'),
            '403': empty('an Origin that is not allowed'),
            '503': empty('the gateway is draining'),
          },
        },
      },
    },
    components: {
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', description: 'A token from the ACL file (SPEC section 8)' },
      },
      schemas: {
        Problem: {
          type: 'object',
          description: 'RFC 9457 problem details',
          required: ['type', 'title', 'status', 'detail'],
          properties: {
            type: { type: 'string', enum: problemTypes },
            title: { type: 'string' },
            status: { type: 'integer' },
            detail: { type: 'string' },
          },
        },
      },
      responses: {
        BadRequest: problemResponse('bad_name, bad_value or invalid_utf8'),
        Unauthorized: {
          ...problemResponse('no token and the default user may not do this, or a token that is not valid'),
          headers: { 'WWW-Authenticate': { schema: { type: 'string', const: 'Bearer realm="jnhp"' } } },
        },
        Forbidden: problemResponse("forbidden: the token's user may not do this"),
        ForbiddenOrRefused: problemResponse(
          "refused: a validator said no · forbidden: the token's user may not · origin_not_allowed",
        ),
        Internal: problemResponse('internal'),
        Unavailable: problemResponse('storage_unavailable, validator_failed or validator_overloaded'),
      },
    },
  };
}
