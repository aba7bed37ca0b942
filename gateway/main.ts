#!/usr/bin/env node
// The jnhp-gateway command: configuration, logging, signals.

import { hashToken, newToken } from '../core/access/token.js';
import { FileStoreError } from '../core/store/file-store-error.js';
import { ConfigError, parseConfig, usage } from './config.js';
import { createLogger } from './logger.js';
import { startGateway } from './start-gateway.js';
import { packageVersion } from './version.js';

const EXIT_USAGE = 2;

/** `jnhp-gateway token`: a new token, and the part of an ACL line that lets it in. */
function printToken(): void {
  const token = newToken();
  const hash = `#${hashToken(token)}`;
  process.stdout.write(
    `token: ${token}\nacl:   ${hash}\n\nan ACL line for it: user NAME on ${hash} ~PATTERN +read +write\n`,
  );
}

async function main(argv: string[]): Promise<void> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(`${usage()}\n`);
    return;
  }
  if (argv[0] === 'token') {
    if (argv.length > 1) {
      process.stderr.write('jnhp-gateway: token takes no arguments (see --help)\n');
      process.exit(EXIT_USAGE);
    }
    printToken();
    return;
  }
  if (argv.includes('--version')) {
    process.stdout.write(`${packageVersion()}\n`);
    return;
  }
  let config: ReturnType<typeof parseConfig>;
  try {
    config = parseConfig(argv, process.env);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`jnhp-gateway: ${err.message} (see --help)\n`);
    process.exit(EXIT_USAGE);
  }
  const logger = createLogger(config.logLevel);
  let gateway: Awaited<ReturnType<typeof startGateway>> | undefined;
  let signalled = false;
  const drainAndExit = (running: NonNullable<typeof gateway>): void => {
    running.drain().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.fatal({ err }, 'drain failed');
        process.exit(1);
      },
    );
  };
  const stop = (signal: NodeJS.Signals): void => {
    if (signalled) {
      // Kept registered: a second signal must not fall back to the default (death by the signal).
      logger.warn({ signal }, 'signal received while draining: the drain goes on as the first signal set it');
      return;
    }
    logger.info({ signal }, 'signal received');
    signalled = true;
    if (gateway !== undefined) drainAndExit(gateway);
  };
  // Before listening: a signal just after the `listening` line must drain, not kill.
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  // Also keeps SIGHUP's default (exit) away while starting; one that comes meanwhile reloads once started.
  let reloadAsked = false;
  process.on('SIGHUP', () => {
    logger.info({ signal: 'SIGHUP' }, 'signal received');
    if (gateway === undefined) reloadAsked = true;
    else void gateway.reload();
  });
  try {
    gateway = await startGateway(config, logger);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`jnhp-gateway: ${err.message} (see --help)\n`);
      process.exit(EXIT_USAGE);
    }
    if (err instanceof FileStoreError) {
      // A locked or damaged data directory: nothing a restart would mend.
      process.stderr.write(`jnhp-gateway: ${err.message}\n`);
      process.exit(EXIT_USAGE);
    }
    logger.fatal({ err }, 'cannot start');
    process.stderr.write(`jnhp-gateway: cannot start: ${(err as Error).message}\n`);
    process.exit(1);
  }
  if (signalled) drainAndExit(gateway);
  else if (reloadAsked) void gateway.reload();
}

await main(process.argv.slice(2));
