// Log lines for the processes of `helper:` hooks: started, ended (and when
// it restarts), killed at a timeout, each stderr line, each stdout line that
// is not an answer. `helperPid` is the helper's; `pid` stays the gateway's.

import type { HelperObserver } from '../core/validators/helper/helper-observer.js';
import type { Logger } from './logger.js';

export class HelperLog implements HelperObserver {
  constructor(private readonly logger: Logger) {}

  processStarted(hook: string, index: number, pid: number): void {
    this.logger.info({ hook, process: index, helperPid: pid }, 'helper started');
  }

  processEnded(
    hook: string,
    index: number,
    pid: number | undefined,
    how: string,
    failed: number,
    restartInMs: number | null,
  ): void {
    const fields = { hook, process: index, helperPid: pid, reason: how, failed, restartInMs: restartInMs ?? undefined };
    if (restartInMs === null) this.logger.info(fields, 'helper stopped');
    else this.logger.warn(fields, 'helper ended');
  }

  processKilled(hook: string, index: number, pid: number, reason: string): void {
    this.logger.warn({ hook, process: index, helperPid: pid, reason }, 'helper killed');
  }

  lineIgnored(hook: string, index: number, pid: number, line: string, why: string): void {
    this.logger.warn({ hook, process: index, helperPid: pid, line, reason: why }, 'helper line ignored');
  }

  stderrLine(hook: string, index: number, pid: number, line: string): void {
    this.logger.warn({ hook, process: index, helperPid: pid, stderr: line }, 'helper stderr');
  }
}
