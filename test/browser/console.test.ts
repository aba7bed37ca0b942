// The console page in a real browser: it loads under its CSP, connects to /ws
// through /client.js, and shows the replies in order.

import { afterAll, beforeAll, expect, it } from 'vitest';
import { artifactPath, type Browser, launchChromium } from '../helpers/browser.js';
import { describeWithTools } from '../helpers/require-tools.js';
import { type SpawnedGateway, spawnGateway } from '../helpers/spawn-gateway.js';

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
});
