// The interactive prompt: node:readline with history kept in ~/.jnhp_history.

import { appendFile, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import type { JnhpClient } from '../jnhp-client.js';

const HISTORY_FILE = path.join(os.homedir(), '.jnhp_history');
const HISTORY_SIZE = 500;

async function loadHistory(): Promise<string[]> {
  try {
    const lines = (await readFile(HISTORY_FILE, 'utf8')).split('\n').filter((l) => l.length > 0);
    // readline wants the newest first.
    return lines.slice(-HISTORY_SIZE).reverse();
  } catch {
    return [];
  }
}

/** Runs the prompt until `quit`, end of input or a lost connection; resolves with the exit code. */
export async function runRepl(client: JnhpClient, url: string): Promise<number> {
  const rl = readline.createInterface({
    input: process.stdin,
    output: process.stdout,
    prompt: 'jnhp> ',
    history: await loadHistory(),
    historySize: HISTORY_SIZE,
    removeHistoryDuplicates: true,
  });
  process.stdout.write(`connected to ${url}; type commands, 'quit' to leave\n`);
  let exitCode = 0;
  client.done.then((why) => {
    if (rl.terminal && !closedByUser) {
      process.stderr.write(`\njnhp: ${why.message}\n`);
      exitCode = 2;
      rl.close();
    }
  });
  let closedByUser = false;
  rl.prompt();
  for await (const typed of rl) {
    const line = typed.trim();
    if (line === '') {
      rl.prompt();
      continue;
    }
    if (/^(quit|exit)$/i.test(line)) break;
    appendFile(HISTORY_FILE, `${line}\n`).catch(() => {});
    try {
      const reply = await client.sendLine(line);
      process.stdout.write(reply === '' ? '(absent)\n' : `${reply}\n`);
    } catch (err) {
      process.stderr.write(`jnhp: ${(err as Error).message}\n`);
      if (client.closed) {
        exitCode = 2;
        break;
      }
    }
    rl.prompt();
  }
  closedByUser = true;
  rl.close();
  await client.close();
  return exitCode;
}
