// The console page (GET /), the browser client it uses (/client.js) and the
// OpenAPI document (/openapi.json): static files, read once, from the package.

import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Hono } from 'hono';
import { openApiDocument } from './openapi.js';

const CONSOLE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "connect-src 'self'",
  "img-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const PAGE_HEADERS = {
  'Content-Security-Policy': CONSOLE_CSP,
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cache-Control': 'no-cache',
};
/** The library and the description are public: any page may import or read them (no credentials involved). */
const PUBLIC_HEADERS = {
  'X-Content-Type-Options': 'nosniff',
  'Access-Control-Allow-Origin': '*',
  'Cache-Control': 'no-cache',
};

/** The package's top folder, from gateway/http in the sources or in dist/. */
function packageRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!existsSync(path.join(dir, 'package.json'))) dir = path.dirname(dir);
  return dir;
}

interface StaticFile {
  readonly body: string;
  readonly headers: Record<string, string>;
}

function loadFiles(): Map<string, StaticFile> {
  const root = packageRoot();
  const read = (...parts: string[]) => readFileSync(path.join(root, ...parts), 'utf8');
  const consoleFile = (name: string, type: string): StaticFile => ({
    body: read('gateway', 'http', 'console', name),
    headers: { 'Content-Type': type, ...PAGE_HEADERS },
  });
  const { version } = JSON.parse(read('package.json')) as { version: string };
  return new Map([
    ['/', consoleFile('index.html', 'text/html; charset=utf-8')],
    ['/console.css', consoleFile('console.css', 'text/css; charset=utf-8')],
    ['/console.js', consoleFile('console.js', 'text/javascript; charset=utf-8')],
    ['/favicon.svg', consoleFile('favicon.svg', 'image/svg+xml')],
    [
      '/client.js',
      {
        body: read('dist', 'browser', 'client.js'),
        headers: { 'Content-Type': 'text/javascript; charset=utf-8', ...PUBLIC_HEADERS },
      },
    ],
    [
      '/openapi.json',
      {
        body: JSON.stringify(openApiDocument(version)),
        headers: { 'Content-Type': 'application/json', ...PUBLIC_HEADERS },
      },
    ],
  ]);
}

// biome-ignore lint/suspicious/noExplicitAny: any hono app, whatever its bindings
export function addStaticRoutes(app: Hono<any, any, any>): void {
  let files: Map<string, StaticFile> | undefined;
  for (const route of ['/', '/console.css', '/console.js', '/favicon.svg', '/client.js', '/openapi.json']) {
    app.get(route, () => {
      files ??= loadFiles();
      const file = files.get(route) as StaticFile;
      return new Response(file.body, { headers: file.headers });
    });
  }
}
