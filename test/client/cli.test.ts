// The jnhp command (SPEC section 12) as a user runs it: a child process
// against a spawned gateway.

import { spawn } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../helpers/repo-root.js';
import { describeWithTools } from '../helpers/require-tools.js';
import { type SpawnedGateway, spawnGateway } from '../helpers/spawn-gateway.js';

/** A terminal's control sequence: ESC [ parameters letter. */
const ESCAPE_SEQUENCE = new RegExp(`${String.fromCharCode(0x1b)}\\[[0-9;]*[A-Za-z]`, 'g');
const JNHP = path.join(repoRoot(), 'dist', 'client', 'cli', 'jnhp.js');

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function run(args: readonly string[], input = '', command: readonly string[] = [process.execPath, JNHP]): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(command[0] as string, [...command.slice(1), ...args], { stdio: 'pipe' });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (text: string) => {
      stdout += text;
    });
    child.stderr.setEncoding('utf8').on('data', (text: string) => {
      stderr += text;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(input);
  });
}

describe('jnhp', () => {
  let gateway: SpawnedGateway;
  let tcp: string[];
  let ws: string[];

  beforeAll(async () => {
    gateway = await spawnGateway();
    tcp = ['-u', `jnhp://127.0.0.1:${gateway.tcpPort}`];
    ws = ['--url', `ws://127.0.0.1:${gateway.httpPort}/ws`];
  });
  afterAll(async () => {
    await gateway?.stop();
  });

  it('runs one command, joining the words by single spaces, with exit codes 0 and 1', async () => {
    expect(await run([...tcp, 'STORE', 'cli-k', 'hello world', 'and', 'more'])).toEqual({
      code: 0,
      stdout: 'W00T!\n',
      stderr: '',
    });
    expect(await run([...tcp, 'STORE', 'cli-k', 'again'])).toEqual({ code: 1, stdout: 'RARGH!\n', stderr: '' });
    expect(await run([...tcp, 'GET', 'cli-k'])).toEqual({ code: 0, stdout: 'hello world and more\n', stderr: '' });
    expect(await run([...tcp, 'get', 'cli-nobody'])).toEqual({ code: 1, stdout: '\n', stderr: '' });
    expect(await run([...ws, 'EXISTS', 'cli-k'])).toEqual({ code: 0, stdout: 'AWESOME!\n', stderr: '' });
    expect(await run([...ws, 'EXISTS', 'cli-nobody'])).toEqual({ code: 1, stdout: 'RARGH!\n', stderr: '' });
    expect(await run([...ws, 'PING'])).toEqual({ code: 0, stdout: 'PONG\n', stderr: '' });
  });

  it('treats a value that reads like a reply as a value, and words after the options as words', async () => {
    expect((await run([...tcp, 'STORE', 'cli-rargh', 'RARGH!'])).code).toBe(0);
    expect(await run([...tcp, 'GET', 'cli-rargh'])).toEqual({ code: 0, stdout: 'RARGH!\n', stderr: '' });
    expect(await run([...tcp, 'STORE', 'cli-dash', '-1', '--pipe'])).toMatchObject({ code: 0, stdout: 'W00T!\n' });
    expect((await run([...tcp, 'GET', 'cli-dash'])).stdout).toBe('-1 --pipe\n');
  });

  it('exits 2 with one line on stderr for ERROR, a failed connection and a bad option', async () => {
    expect(await run([...tcp, 'FROB', 'x'])).toEqual({ code: 2, stdout: '', stderr: "ERROR unknown command 'FROB'\n" });
    const refused = await run(['-u', 'jnhp://127.0.0.1:1', 'PING']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/^jnhp: cannot connect to jnhp:\/\/127\.0\.0\.1:1: .*ECONNREFUSED.*\n$/);
    for (const args of [
      ['--bogus', 'PING'],
      ['--timeout-ms', 'abc', 'PING'],
      ['-u', 'http://x', 'PING'],
    ]) {
      const bad = await run(args);
      expect(bad.code, args.join(' ')).toBe(2);
      expect(bad.stderr.trimEnd().split('\n'), args.join(' ')).toHaveLength(1);
      expect(bad.stdout).toBe('');
    }
  });

  it('with --pipe, pipelines stdin with bounded in-flight commands, prints replies in order and a summary', async () => {
    const lines: string[] = [];
    const expected: string[] = [];
    for (let i = 0; i < 3000; i++) {
      lines.push(`STORE cli-pipe-${i} value ${i}`);
      expected.push('W00T!');
      if (i % 100 === 0) {
        lines.push(`STORE cli-pipe-${i} twice`, `GET cli-pipe-${i}`, '', `EXISTS cli-pipe-none-${i}`);
        expected.push('RARGH!', `value ${i}`, 'RARGH!');
      }
    }
    const piped = await run([...tcp, '--pipe', '--max-in-flight', '16'], `${lines.join('\r\n')}`);
    expect(piped.code).toBe(0);
    expect(piped.stdout.split('\n').slice(0, -1)).toEqual(expected);
    expect(piped.stderr).toMatch(
      /^jnhp: 3090 commands, 3030 ok, 60 RARGH! or absent, 0 errors in [\d.]+ s \(\d+\/s\)\n$/,
    );
  });

  it('with --pipe, counts ERROR replies and exits 2', async () => {
    const piped = await run([...ws, '--pipe'], 'PING\nFROB\nPING\n');
    expect(piped).toMatchObject({ code: 2, stdout: "PONG\nERROR unknown command 'FROB'\nPONG\n" });
    expect(piped.stderr).toMatch(/^jnhp: 3 commands, 2 ok, 0 RARGH! or absent, 1 errors/);
  });

  it('refuses to run without a command when stdin is not a terminal', async () => {
    const none = await run(tcp);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/^jnhp: no command \(use --pipe/);
  });

  describeWithTools(['script'], 'on a terminal', () => {
    it('is an interactive prompt that answers each line until quit', async () => {
      // `script` gives jnhp a terminal; stdin stays open until the replies are shown (script ends the session at EOF).
      const shell = `${process.execPath} ${JNHP} ${tcp.join(' ')}`;
      const child = spawn('script', ['-qfec', shell, '/dev/null'], { stdio: 'pipe' });
      let stdout = '';
      const session = new Promise<Run>((resolve) => {
        const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
        child.stdout.setEncoding('utf8').on('data', (text: string) => {
          stdout += text;
          if (stdout.includes('(absent)') && child.stdin.writable) child.stdin.end('quit\n');
        });
        child.on('close', (code) => {
          clearTimeout(timer);
          resolve({ code, stdout, stderr: '' });
        });
      });
      child.stdin.write('STORE cli-repl typed at the prompt\nGET cli-repl\nGET cli-repl-none\n');
      const { code } = await session;
      // The terminal's lines, without its control sequences; typed lines are echoed whole, replies are lines of their own.
      const screen = stdout.replace(/\r/g, '').replace(ESCAPE_SEQUENCE, '').split('\n');
      expect(code).toBe(0);
      expect(screen.some((line) => line.startsWith('jnhp> '))).toBe(true);
      // Lines typed ahead are echoed at once, so a reply may follow the next prompt.
      const shown = screen.map((line) => line.replace(/^jnhp> /, ''));
      const replies = ['W00T!', 'typed at the prompt', '(absent)'].map((r) => shown.indexOf(r));
      expect(replies.every((at) => at > 0)).toBe(true);
      expect(replies).toEqual([...replies].sort((a, b) => a - b));
    });
  });
});
