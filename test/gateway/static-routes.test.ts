// The console page and the browser client as an HTTP client sees them:
// content types, the Content-Security-Policy, and a bundle that needs nothing else.

import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../helpers/repo-root.js';
import { type SpawnedGateway, spawnGateway } from '../helpers/spawn-gateway.js';

describe('the console and /client.js', () => {
  let gateway: SpawnedGateway;
  let base: string;

  beforeAll(async () => {
    gateway = await spawnGateway();
    base = `http://127.0.0.1:${gateway.httpPort}`;
  });
  afterAll(async () => {
    await gateway?.stop();
  });

  it('serves each file with its content type, and the page with a Content-Security-Policy', async () => {
    const types: Record<string, string> = {
      '/': 'text/html; charset=utf-8',
      '/console.css': 'text/css; charset=utf-8',
      '/console.js': 'text/javascript; charset=utf-8',
      '/favicon.svg': 'image/svg+xml',
      '/client.js': 'text/javascript; charset=utf-8',
    };
    for (const [route, type] of Object.entries(types)) {
      const res = await fetch(`${base}${route}`);
      expect(res.status, route).toBe(200);
      expect(res.headers.get('content-type'), route).toBe(type);
      expect(res.headers.get('x-content-type-options'), route).toBe('nosniff');
      await res.arrayBuffer();
    }
    const page = await fetch(`${base}/`);
    const csp = page.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("connect-src 'self'");
    expect(await page.text()).toContain('<script type="module" src="/console.js"></script>');
  });

  it('serves /client.js as one ES module that imports nothing, built from the same sources as the package', async () => {
    const res = await fetch(`${base}/client.js`);
    const body = await res.text();
    expect(body).toBe(readFileSync(path.join(repoRoot(), 'dist', 'browser', 'client.js'), 'utf8'));
    expect(body).not.toMatch(/\bimport\s*[\s{*'"(]/);
    expect(body).not.toMatch(/\brequire\(/);
    expect(body).not.toContain('node:');
    expect(body).toMatch(/export\s*\{[^}]*\bconnect\b/);
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
  });

  it('resolves jnhp-gateway/client through the exports map: Node gets the TCP-capable entry', async () => {
    const manifest = JSON.parse(readFileSync(path.join(repoRoot(), 'package.json'), 'utf8'));
    expect(manifest.exports['./client']).toMatchObject({
      browser: './dist/browser/client.js',
      node: './dist/client/index.js',
      default: './dist/browser/client.js',
    });
    expect(import.meta.resolve?.('jnhp-gateway/client') ?? '').toMatch(/dist\/client\/index\.js$/);
  });
});
