// The console page in a real browser: it loads under its CSP, connects to /ws
// through /client.js, and shows the replies in order.

import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { artifactPath, type Browser, launchChromium } from '../helpers/browser.js';
import { describeWithTools } from '../helpers/require-tools.js';
import { type SpawnedGateway, spawnGateway } from '../helpers/spawn-gateway.js';

const TOKEN = 'tok-console-6d2f8a1c9e4b7a3d';

/** Types `line` into the console and resolves with the reply it shows, once it shows one. */
async function send(page: import('playwright-core').Page, line: string): Promise<string> {
  const before = await page.locator('#log .reply').count();
  await page.fill('#line', line);
  await page.press('#line', 'Enter');
  const reply = page.locator('#log .reply').nth(before);
  await expect.poll(() => reply.getAttribute('class'), { timeout: 10_000 }).not.toContain('pending');
  return (await reply.textContent()) ?? '';
}

describeWithTools(['chromium'], 'the console page in Chromium', () => {
  let gateway: SpawnedGateway;
  let browser: Browser;

  beforeAll(async () => {
    gateway = await spawnGateway();
    browser = await launchChromium();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await gateway?.stop();
  });

  it('loads, connects, runs a STORE and a GET, and shows W00T! and the value in order', async () => {
    const page = await browser.context.newPage();
    const problems: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(message.text());
    });
    page.on('pageerror', (err) => problems.push(err.message));
    try {
      await page.goto(`http://127.0.0.1:${gateway.httpPort}/`);
      await page.locator('#state[data-state="open"]').waitFor({ timeout: 10_000 });
      for (const line of [
        'STORE console-key hello from the console',
        'GET console-key',
        'GET console-absent',
        'FROB',
      ]) {
        await page.fill('#line', line);
        await page.press('#line', 'Enter');
      }
      const replies = page.locator('#log .reply:not(.pending)');
      await expect.poll(() => replies.count(), { timeout: 10_000 }).toBe(4);
      expect(await replies.allTextContents()).toEqual([
        'W00T!',
        'hello from the console',
        '(absent: empty reply)',
        "ERROR unknown command 'FROB'",
      ]);
      expect(await page.locator('#log .sent').allTextContents()).toEqual([
        'STORE console-key hello from the console',
        'GET console-key',
        'GET console-absent',
        'FROB',
      ]);
      await page.screenshot({ path: artifactPath('console.png') });
      expect(problems).toEqual([]);
    } catch (err) {
      await page.screenshot({ path: artifactPath('console-failed.png') }).catch(() => {});
      throw err;
    } finally {
      await page.close();
    }
  });

  it('shows that the connection closed when the gateway goes away', async () => {
    const other = await spawnGateway();
    const page = await browser.context.newPage();
    try {
      await page.goto(`http://127.0.0.1:${other.httpPort}/`);
      await page.locator('#state[data-state="open"]').waitFor({ timeout: 10_000 });
      await other.stop();
      await page.locator('#state[data-state="closed"]').waitFor({ timeout: 10_000 });
      expect(await page.locator('#reconnect').isVisible()).toBe(true);
    } finally {
      await page.close();
      await other.stop();
    }
  });

  describe('with an ACL', () => {
    it('authenticates with the token field, after which the write it was denied goes through', async () => {
      const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'jnhp-console-acl-')), 'acl');
      const digest = createHash('sha256').update(TOKEN).digest('hex');
      writeFileSync(file, `user default on nopass ~* +read\nuser writer on #${digest} ~* +read +write\n`);
      const guarded = await spawnGateway(['--acl-file', file]);
      const page = await browser.context.newPage();
      try {
        await page.goto(`http://127.0.0.1:${guarded.httpPort}/`);
        await page.locator('#state[data-state="open"]').waitFor({ timeout: 10_000 });
        expect(await send(page, 'STORE console-acl by the writer')).toMatch(/^ERROR permission denied/);
        await page.fill('#token', TOKEN);
        await page.press('#token', 'Enter');
        await expect.poll(() => page.locator('#log .reply').last().textContent(), { timeout: 10_000 }).toBe('W00T!');
        expect(await page.locator('#log .sent').last().textContent()).toBe('AUTH ********');
        expect(await send(page, 'STORE console-acl by the writer')).toBe('W00T!');
        await page.screenshot({ path: artifactPath('console-auth.png') });
      } finally {
        await page.close();
        await guarded.stop();
      }
    });
  });
});
