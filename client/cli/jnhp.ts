#!/usr/bin/env node
// The jnhp command (SPEC section 12): one command, an interactive prompt, or
// a pipelined bulk import from stdin.

import { connect } from '../index.js';
import type { JnhpClient } from '../jnhp-client.js';
import { type CliArgs, parseCliArgs, USAGE, UsageError } from './cli-args.js';
import { runPipe } from './pipe.js';
import { runRepl } from './repl.js';
import { Exit, replyStatus } from './reply-status.js';

function fail(message: string): number {
  process.stderr.write(`jnhp: ${message}\n`);
  return Exit.Error;
}

async function runOne(client: JnhpClient, line: string): Promise<number> {
  let reply: string;
  try {
    reply = await client.sendLine(line);
  } catch (err) {
    client.destroy();
    return fail((err as Error).message);
  }
  await client.close();
  const status = replyStatus(line, reply);
  if (status === Exit.Error) process.stderr.write(`${reply}\n`);
  else process.stdout.write(`${reply}\n`);
  return status;
}

async function pipe(client: JnhpClient, args: CliArgs): Promise<number> {
  const started = performance.now();
  const summary = await runPipe(client, process.stdin, process.stdout, args.maxInFlight);
  const seconds = (performance.now() - started) / 1000;
  const rate = Math.round(summary.sent / Math.max(seconds, 1e-6));
  const stopped = summary.failure === null ? '' : `; stopped: ${summary.failure.message}`;
  process.stderr.write(
    `jnhp: ${summary.sent} commands, ${summary.ok} ok, ${summary.no} RARGH! or absent, ${summary.errors} errors in ${seconds.toFixed(2)} s (${rate}/s)${stopped}\n`,
  );
  await client.close();
  return summary.errors > 0 ? Exit.Error : Exit.Ok;
}

async function main(argv: string[]): Promise<number> {
  let args: CliArgs;
  try {
    args = parseCliArgs(argv, process.env);
  } catch (err) {
    if (err instanceof UsageError) return fail(`${err.message} (see --help)`);
    throw err;
  }
  if (args.help) {
    process.stdout.write(`${USAGE}\n`);
    return Exit.Ok;
  }
  if (args.pipe && args.line !== null) return fail('--pipe reads commands from stdin: give no command (see --help)');
  if (!args.pipe && args.line === null && !process.stdin.isTTY) {
    return fail('no command (use --pipe to read commands from stdin; see --help)');
  }
  let client: JnhpClient;
  try {
    client = await connect(args.url, { token: args.token, timeoutMs: args.timeoutMs });
  } catch (err) {
    return fail(`cannot connect to ${args.url}: ${(err as Error).message}`);
  }
  if (args.pipe) return pipe(client, args);
  if (args.line !== null) return runOne(client, args.line);
  return runRepl(client, args.url);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`jnhp: ${(err as Error).stack ?? String(err)}\n`);
    process.exitCode = Exit.Error;
  },
);
