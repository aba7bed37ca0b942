// jnhp --pipe: command lines from stdin, pipelined with at most maxInFlight
// unanswered, replies on stdout in order, a summary line on stderr (what
// `redis-cli --pipe` does for a bulk import).

import type { Readable, Writable } from 'node:stream';
import type { JnhpClient } from '../jnhp-client.js';
import { Exit, replyStatus } from './reply-status.js';

/** Replies are written in chunks of about this size. */
const OUTPUT_CHUNK = 64 * 1024;

export interface PipeSummary {
  readonly sent: number;
  readonly ok: number;
  readonly no: number;
  readonly errors: number;
  /** Why the run stopped early, if it did. */
  readonly failure: Error | null;
}

export function runPipe(
  client: JnhpClient,
  input: Readable,
  output: Writable,
  maxInFlight: number,
): Promise<PipeSummary> {
  return new Promise((resolve) => {
    let sent = 0;
    /** Sent and not settled yet: the client's own count drops before the promise callbacks run. */
    let open = 0;
    let ok = 0;
    let no = 0;
    let errors = 0;
    let failure: Error | null = null;
    /** Read and not yet sent: what is past the in-flight bound waits here, with the input paused. */
    let backlog = '';
    let ended = false;
    let paused = false;
    let out = '';
    let finished = false;
    let awaitingDrain = false;

    const flush = (): void => {
      if (out.length === 0) return;
      output.write(out);
      out = '';
    };
    const finish = (): void => {
      if (finished) return;
      finished = true;
      flush();
      input.pause();
      resolve({ sent, ok, no, errors, failure });
    };
    const send = (line: string): void => {
      if (line.endsWith('\r')) line = line.slice(0, -1);
      if (line.trim().length === 0) return;
      sent++;
      open++;
      client.sendLine(line).then(
        (reply) => {
          open--;
          out += `${reply}\n`;
          const status = replyStatus(line, reply);
          if (status === Exit.Ok) ok++;
          else if (status === Exit.No) no++;
          else errors++;
          settled();
        },
        (err: Error) => {
          open--;
          errors++;
          failure ??= err;
          if (client.closed) finish();
          else settled();
        },
      );
    };
    /** Sends the backlog's lines while under the bound; pauses the input at the bound. */
    const pump = (): void => {
      let start = 0;
      let nl = backlog.indexOf('\n');
      while (nl !== -1 && open < maxInFlight) {
        send(backlog.slice(start, nl));
        start = nl + 1;
        nl = backlog.indexOf('\n', start);
      }
      backlog = start === 0 ? backlog : backlog.slice(start);
      if (nl !== -1 || open >= maxInFlight) {
        if (!paused) {
          paused = true;
          input.pause();
        }
        return;
      }
      if (ended) {
        // The last line may lack its line end.
        send(backlog);
        backlog = '';
        if (open === 0) finish();
      } else if (paused) {
        paused = false;
        input.resume();
      }
    };
    const settled = (): void => {
      if (out.length >= OUTPUT_CHUNK) flush();
      if (finished) return;
      if (paused && open <= maxInFlight / 2) {
        if (output.writableLength < OUTPUT_CHUNK * 4) pump();
        else if (!awaitingDrain) {
          // stdout is the slow side: go on once it has taken what it holds.
          awaitingDrain = true;
          output.once('drain', () => {
            awaitingDrain = false;
            pump();
          });
        }
      } else if (ended && open === 0 && backlog.length === 0) finish();
    };

    input.setEncoding('utf8');
    input.on('data', (text: string) => {
      backlog += text;
      pump();
    });
    input.on('end', () => {
      ended = true;
      pump();
    });
  });
}
