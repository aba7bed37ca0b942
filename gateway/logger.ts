import { pino } from 'pino';
import type { Config } from './config.js';

/** JSON lines on stdout; `level` as a word, `time` as ISO 8601. */
export function createLogger(level: Config['logLevel']): pino.Logger {
  return pino({
    level,
    base: { pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
  });
}

export type Logger = pino.Logger;
