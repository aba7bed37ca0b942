// File descriptors against the process's open-file limit (SPEC section 7):
// a warning at startup when the limit is below what --max-connections needs,
// and a line (at most once a second) while accepts fail for lack of them.
//
// When accept() fails with EMFILE, libuv accepts and closes the waiting
// connections with a reserved descriptor and tells nobody; so the gateway
// counts its own sockets and says when they reach the limit, and also logs
// the accept errors a server does report.

import { readdirSync, readFileSync } from 'node:fs';
import type { Server, Socket } from 'node:net';
import type { Logger } from './logger.js';

/** Descriptors beside client connections: REST keep-alives, the store, hooks, logs. */
export const FD_HEADROOM = 128;
/** Descriptors the count may miss (opened after startup by the runtime, the store, hooks). */
const COUNT_SLACK = 16;
const LOG_EVERY_MS = 1000;

/** The soft open-file limit from /proc/self/limits, or null where it cannot be read. */
export function openFileLimit(limitsText?: string): number | null {
  let text = limitsText;
  if (text === undefined) {
    try {
      text = readFileSync('/proc/self/limits', 'utf8');
    } catch {
      return null;
    }
  }
  const match = /^Max open files\s+(\d+|unlimited)\s/m.exec(text);
  if (match === null) return null;
  return match[1] === 'unlimited' ? Number.POSITIVE_INFINITY : Number(match[1]);
}

function descriptorsInUse(): number {
  try {
    return readdirSync('/proc/self/fd').length;
  } catch {
    return 0;
  }
}

export class OpenFiles {
  private readonly limit: number | null;
  /** Descriptors in use before any client connected. */
  private base = 0;
  private sockets = 0;
  private lastLog = Number.NEGATIVE_INFINITY;
  private readonly socketClosed = (): void => {
    this.sockets--;
  };

  constructor(
    private readonly logger: Logger,
    limit: number | null = openFileLimit(),
  ) {
    this.limit = limit;
  }

  /** Call once listening: warns when `maxConnections` clients could not all get a descriptor. */
  checkStartup(maxConnections: number): void {
    this.base = descriptorsInUse();
    const needed = maxConnections + this.base + FD_HEADROOM;
    if (this.limit !== null && this.limit < needed) {
      this.logger.warn(
        { openFileLimit: this.limit, maxConnections, needed },
        'the open-file limit is below what --max-connections needs: raise it (ulimit -n, LimitNOFILE=, compose ulimits nofile) or lower --max-connections',
      );
    }
  }

  /** Counts the sockets `server` accepts, and logs the accept errors it reports instead of dying of them. */
  watch(server: Server): void {
    server.on('connection', (socket: Socket) => {
      this.sockets++;
      socket.once('close', this.socketClosed);
      if (this.limit !== null && this.base + this.sockets + COUNT_SLACK >= this.limit) this.refusing();
    });
    server.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EMFILE' || err.code === 'ENFILE') this.refusing(err.code);
      // Errors of listen() are the caller's to report.
      else if (server.listening) this.logger.error({ err }, 'server error');
    });
  }

  private refusing(code = 'EMFILE'): void {
    const now = performance.now();
    if (now - this.lastLog < LOG_EVERY_MS) return;
    this.lastLog = now;
    this.logger.warn(
      { code, openFileLimit: this.limit, sockets: this.sockets },
      'at the open-file limit: new connections are refused until some close (raise the limit or lower --max-connections)',
    );
  }
}
