// Shared pieces of the validation hook tests: fixture paths, waiting for a
// condition with a deadline, and questions about processes.

import path from 'node:path';
import { LineClient } from './line-client.js';
import { repoRoot } from './repo-root.js';
import type { SpawnedGateway } from './spawn-gateway.js';

export const fixture = (file: string): string => path.join(repoRoot(), 'test', 'fixtures', 'validators', file);

/** Polls `condition` until it holds; rejects with `what` after the deadline. */
export async function waitUntil(condition: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`still waiting after ${timeoutMs} ms: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** True while a process (or, with a negative id, a process group) exists, zombies included. */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ESRCH') return false;
    throw err;
  }
}

/** Sends one STORE on a fresh connection and reads its reply. */
export async function storeOnce(port: number, name: string, value: string, timeoutMs = 10_000): Promise<string> {
  const client = await LineClient.connect(port);
  try {
    return await client.request(`STORE ${name} ${value}`, timeoutMs);
  } finally {
    client.close();
  }
}

/** The first log line after index `from` for which `match` holds, waiting for it. */
export function logAfter(
  gateway: SpawnedGateway,
  from: number,
  match: (line: Record<string, unknown>) => boolean,
): Promise<Record<string, unknown>> {
  return gateway.waitForLog((line) => gateway.logs.indexOf(line) >= from && match(line), 10_000);
}

/** Log lines of failed hook calls (error, timeout, overload) after index `from`. */
export const hookFailures = (gateway: SpawnedGateway, from = 0): Record<string, unknown>[] =>
  gateway.logs
    .slice(from)
    .filter((l) => typeof l.hook === 'string' && typeof l.outcome === 'string' && l.level === 'warn');
