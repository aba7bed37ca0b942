// GET /openapi.json: a valid OpenAPI 3.1 document that documents every status
// and problem type the REST tests observe.

import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Validator } from '@seriousme/openapi-schema-validator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../helpers/repo-root.js';
import { type SpawnedGateway, spawnGateway } from '../helpers/spawn-gateway.js';

interface Operation {
  responses: Record<string, unknown>;
}
type Document = {
  openapi: string;
  paths: Record<string, Record<string, Operation | unknown>>;
  components: { schemas: { Problem: { properties: { type: { enum: string[] } } } }; securitySchemes: object };
};

/**
 * What the HTTP tests assert, read from their sources: the statuses in
 * `expectProblem(res, STATUS, 'type')`, `.status).toBe(STATUS)`,
 * `statusCode).toBe(STATUS)` and raw `HTTP/1.1 STATUS` lines, and the problem
 * types in `expectProblem`. A new HTTP test is covered without touching this file.
 */
function observedByTests(): { statuses: Set<string>; types: Set<string> } {
  const dir = path.join(repoRoot(), 'test', 'gateway');
  const statuses = new Set<string>();
  const types = new Set<string>();
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.test.ts') && f !== 'openapi.test.ts')) {
    const source = readFileSync(path.join(dir, file), 'utf8');
    for (const m of source.matchAll(/expectProblem\([^;]*?,\s*(\d{3}),\s*'([a-z_]+)'/g)) {
      statuses.add(m[1] as string);
      types.add(m[2] as string);
    }
    for (const m of source.matchAll(/status(?:Code)?\)\.toBe\((\d{3})\)|HTTP\/1\.1 (\d{3})/g)) {
      const status = (m[1] ?? m[2]) as string;
      // An interim answer (100 Continue) is HTTP's own, not a response an API document lists.
      if (!status.startsWith('1')) statuses.add(status);
    }
  }
  return { statuses, types };
}

describe('GET /openapi.json', () => {
  let gateway: SpawnedGateway;
  let doc: Document;
  let res: Response;

  beforeAll(async () => {
    gateway = await spawnGateway();
    res = await fetch(`http://127.0.0.1:${gateway.httpPort}/openapi.json`);
    doc = (await res.json()) as Document;
  });
  afterAll(async () => {
    await gateway?.stop();
  });

  it('is a valid OpenAPI 3.1 document, served as JSON', async () => {
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(doc.openapi).toBe('3.1.0');
    const result = await new Validator().validate(doc as unknown as Parameters<Validator['validate']>[0]);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
  });

  it('documents every status and problem type the HTTP tests observe', () => {
    const documented = new Set<string>();
    for (const item of Object.values(doc.paths)) {
      for (const op of Object.values(item)) {
        if (typeof op === 'object' && op !== null && 'responses' in op) {
          for (const status of Object.keys((op as Operation).responses)) documented.add(status);
        }
      }
    }
    const { statuses, types } = observedByTests();
    expect(statuses.size).toBeGreaterThan(5);
    for (const status of statuses) expect(documented, `status ${status}`).toContain(status);
    const problemTypes = doc.components.schemas.Problem.properties.type.enum;
    for (const type of types) expect(problemTypes, `type ${type}`).toContain(`urn:jnhp:problem:${type}`);
  });

  it('documents the REST routes with the statuses of SPEC sections 3, 8 and 9, and the bearer scheme', () => {
    const keys = doc.paths['/keys/{name}'] as Record<string, Operation>;
    expect(Object.keys(keys.put?.responses ?? {}).sort()).toEqual(
      ['201', '400', '401', '403', '409', '413', '429', '500', '503'].sort(),
    );
    expect(Object.keys(keys.get?.responses ?? {})).toEqual(expect.arrayContaining(['200', '401', '403', '404', '503']));
    expect(Object.keys(keys.head?.responses ?? {})).toEqual(expect.arrayContaining(['200', '404']));
    expect(Object.keys(keys.options?.responses ?? {})).toContain('204');
    expect(Object.keys(keys.delete?.responses ?? {})).toEqual(['405']);
    for (const route of ['/healthz', '/readyz', '/metrics', '/', '/client.js', '/openapi.json', '/ws']) {
      expect(doc.paths, route).toHaveProperty([route]);
    }
    expect(doc.components.securitySchemes).toEqual({
      bearer: expect.objectContaining({ type: 'http', scheme: 'bearer' }),
    });
  });
});
