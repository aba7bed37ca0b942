// One connection's protocol handler: commands go out pipelined (batched once
// per microtask), replies are matched to them in order (as ioredis does), and
// anything that breaks that order ends the connection. Nothing is re-sent.

import { ErrorCode, JnhpError } from '../core/errors.js';
import { Reply } from '../core/protocol/format-reply.js';
import { errorReason, readExistsReply, readGetReply, readStoreReply } from '../core/protocol/parse-reply.js';
import { checkNameText, checkValueText, type RuleBreak } from '../core/protocol/rules.js';
import type { Transport, TransportEvents } from './transport.js';

const Kind = { Store: 0, Exists: 1, Get: 2, Ping: 3, Auth: 4, Line: 5 } as const;
type Kind = (typeof Kind)[keyof typeof Kind];

const WORDS: Record<Kind, string> = ['STORE', 'EXISTS', 'GET', 'PING', 'AUTH', 'a line'];

interface Pending {
  readonly kind: Kind;
  /** performance.now() past which the reply is late. */
  readonly deadline: number;
  readonly resolve: (value: never) => void;
  readonly reject: (error: Error) => void;
}

const LINE_BREAK = { code: ErrorCode.WrongArguments, reason: 'one line at a time: no CR or LF inside' };
const BLANK_LINE = { code: ErrorCode.WrongArguments, reason: 'a blank line gets no reply' };
const QUIT_LINE = { code: ErrorCode.WrongArguments, reason: 'QUIT has no reply: use close()' };

const UNEXPECTED = Symbol('unexpected reply');

const refused = (wrong: RuleBreak): Promise<never> => Promise.reject(new JnhpError(wrong.code, wrong.reason));

/** A connected JNHP client: see connect(). */
export class JnhpClient implements TransportEvents {
  private transport: Transport | null = null;
  private readonly pending: (Pending | undefined)[] = [];
  private head = 0;
  private batch = '';
  private flushQueued = false;
  private timer: ReturnType<typeof setTimeout> | undefined;
  /** Why the connection is over, once it is. */
  private over: JnhpError | null = null;
  /** An ERROR line that came unasked (the server refusing the connection), kept to tell why it then closed. */
  private unasked: string | null = null;
  private closing: Promise<void> | null = null;
  private onOver: (() => void) | null = null;
  private donePromise: Promise<JnhpError> | undefined;
  private whenOver: ((why: JnhpError) => void) | null = null;

  constructor(readonly timeoutMs: number) {}

  /** Internal: plugs the transport in once it is open. */
  attach(transport: Transport): void {
    this.transport = transport;
  }

  /** `STORE name value`: true for `W00T!`, false for `RARGH!` (the name exists, or a validator said no). */
  store(name: string, value: string): Promise<boolean> {
    const wrong = checkNameText(name) ?? checkValueText(value) ?? leadingBlank(value);
    if (wrong !== null) return refused(wrong);
    return this.command(Kind.Store, `STORE ${name} ${value}`);
  }

  /** `EXISTS name`: whether the name is stored. */
  exists(name: string): Promise<boolean> {
    const wrong = checkNameText(name);
    if (wrong !== null) return refused(wrong);
    return this.command(Kind.Exists, `EXISTS ${name}`);
  }

  /** `GET name`: the value, or null when the name is absent. */
  get(name: string): Promise<string | null> {
    const wrong = checkNameText(name);
    if (wrong !== null) return refused(wrong);
    return this.command(Kind.Get, `GET ${name}`);
  }

  /** `PING`: resolves on `PONG`. */
  ping(): Promise<void> {
    return this.command(Kind.Ping, 'PING');
  }

  /** `AUTH token`: true when the connection now acts as the token's user, false for an unknown token or a disabled user. */
  auth(token: string): Promise<boolean> {
    if (token === '' || /[\0- \x7f]/.test(token)) {
      return refused({ code: ErrorCode.WrongArguments, reason: 'a token is one word of printable characters' });
    }
    return this.command(Kind.Auth, `AUTH ${token}`);
  }

  /**
   * Sends one command line as typed (a console's, a CLI's) and resolves with
   * the reply line as the server sent it, `ERROR ...` included. The server
   * checks it; refused here are only lines that would break the order of
   * replies: a line end inside, a blank line (no reply) and `QUIT` (use close()).
   */
  sendLine(line: string): Promise<string> {
    if (line.indexOf('\n') !== -1 || line.indexOf('\r') !== -1) return refused(LINE_BREAK);
    if (skipBlanks(line, 0) === line.length) return refused(BLANK_LINE);
    if (firstWordIs(line, 'quit')) return refused(QUIT_LINE);
    return this.command(Kind.Line, line);
  }

  /** Resolves once the connection is over, with why (also after close()). */
  get done(): Promise<JnhpError> {
    this.donePromise ??= new Promise((resolve) => {
      this.whenOver = resolve;
      if (this.over !== null) resolve(this.over);
    });
    return this.donePromise;
  }

  /** Commands sent and not answered yet. */
  get inFlight(): number {
    return this.pending.length - this.head;
  }

  /** True once the connection is over (closed, lost or timed out). */
  get closed(): boolean {
    return this.over !== null;
  }

  /**
   * Sends `QUIT` and resolves once the server closed the connection: commands
   * sent before get their replies first. Past timeoutMs the connection is cut.
   */
  close(): Promise<void> {
    if (this.closing === null) {
      this.closing =
        this.over !== null
          ? Promise.resolve()
          : new Promise<void>((resolve) => {
              const cut = setTimeout(() => this.transport?.destroy(), this.timeoutMs);
              this.onOver = () => {
                clearTimeout(cut);
                resolve();
              };
              this.enqueue('QUIT');
            });
    }
    return this.closing;
  }

  /** Ends the connection at once; pending commands are rejected (a sent STORE as outcome unknown). */
  destroy(): void {
    this.end(new JnhpError(ErrorCode.ConnectionLost, 'connection closed by the client'));
  }

  // TransportEvents

  receive(line: string): void {
    const p = this.pending[this.head];
    if (p === undefined) {
      // Nothing was asked: the server refusing the connection says why, then closes.
      if (errorReason(line) !== null) this.unasked = line;
      else this.end(new JnhpError(ErrorCode.ConnectionLost, `unexpected line from the server: '${line}'`));
      return;
    }
    this.pending[this.head++] = undefined;
    if (this.head === this.pending.length) {
      this.pending.length = 0;
      this.head = 0;
    }
    if (p.kind === Kind.Line) {
      p.resolve(line as never);
      return;
    }
    const reason = errorReason(line);
    if (reason !== null) {
      p.reject(new JnhpError(ErrorCode.ErrorReply, reason));
      return;
    }
    const answer = this.read(p.kind, line);
    if (answer === UNEXPECTED) {
      p.reject(new JnhpError(ErrorCode.ErrorReply, `unexpected reply '${line}' to ${WORDS[p.kind]}`));
      this.end(new JnhpError(ErrorCode.ConnectionLost, 'replies out of order; connection closed'));
      return;
    }
    p.resolve(answer as never);
  }

  disconnected(error?: Error): void {
    // The server may have said why before it closed (too many connections).
    const said = this.unasked === null ? '' : ` (${this.unasked})`;
    const why =
      error !== undefined
        ? `connection lost: ${error.message}${said}`
        : this.closing !== null
          ? 'connection closed by the client'
          : `connection closed by the server${said}`;
    this.end(new JnhpError(ErrorCode.ConnectionLost, why, { cause: error }));
  }

  /** What `line` answers to a command of this kind, or UNEXPECTED. */
  private read(kind: Kind, line: string): unknown {
    switch (kind) {
      case Kind.Get:
        return readGetReply(line);
      case Kind.Exists:
        return readExistsReply(line) ?? UNEXPECTED;
      case Kind.Ping:
        return line === Reply.Pong ? undefined : UNEXPECTED;
      default:
        return readStoreReply(line) ?? UNEXPECTED;
    }
  }

  private command<T>(kind: Kind, line: string): Promise<T> {
    if (this.over !== null) {
      return Promise.reject(new JnhpError(ErrorCode.ConnectionLost, `not sent: ${this.over.message}`));
    }
    if (this.closing !== null) {
      return Promise.reject(new JnhpError(ErrorCode.ConnectionLost, 'not sent: the client is closing'));
    }
    return new Promise<T>((resolve, reject) => {
      const deadline = performance.now() + this.timeoutMs;
      this.pending.push({ kind, deadline, resolve: resolve as (value: never) => void, reject });
      if (this.timer === undefined) this.arm(deadline);
      this.enqueue(line);
    });
  }

  private enqueue(line: string): void {
    const transport = this.transport as Transport;
    if (this.batch.length > 0 && this.batch.length + 1 + line.length > transport.maxBatchChars) this.flush();
    this.batch = this.batch.length === 0 ? line : `${this.batch}\n${line}`;
    if (!this.flushQueued) {
      this.flushQueued = true;
      queueMicrotask(this.flush);
    }
  }

  private readonly flush = (): void => {
    this.flushQueued = false;
    if (this.batch.length === 0 || this.over !== null) return;
    const lines = this.batch;
    this.batch = '';
    this.transport?.send(lines);
  };

  /** One timer for the oldest command: replies come in order, so only the oldest can be late first. */
  private arm(at: number): void {
    this.timer = setTimeout(this.checkLate, Math.max(0, at - performance.now()) + 1);
  }

  private readonly checkLate = (): void => {
    this.timer = undefined;
    const oldest = this.pending[this.head];
    if (oldest === undefined) return;
    if (oldest.deadline <= performance.now()) {
      this.end(new JnhpError(ErrorCode.Timeout, `no reply within ${this.timeoutMs} ms; connection closed`));
    } else this.arm(oldest.deadline);
  };

  /** Rejects every pending command (a sent STORE as outcome unknown) and ends the connection. */
  private end(error: JnhpError): void {
    if (this.over !== null) return;
    this.over = error;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.batch = '';
    const pending = this.pending.splice(this.head);
    this.head = 0;
    this.pending.length = 0;
    for (const p of pending) {
      if (p === undefined) continue;
      if (p.kind === Kind.Store) {
        p.reject(
          new JnhpError(
            ErrorCode.OutcomeUnknown,
            `STORE outcome unknown: ${error.message}; it may or may not have been stored, and is not re-sent`,
            { cause: error },
          ),
        );
      } else p.reject(new JnhpError(error.code, error.message, { cause: error }));
    }
    this.transport?.destroy();
    this.onOver?.();
    this.whenOver?.(error);
  }
}

function skipBlanks(line: string, i: number): number {
  let c = line.charCodeAt(i);
  while (c === 0x20 || c === 0x09) c = line.charCodeAt(++i);
  return i;
}

/** Whether the command word of `line` is `word` (lower case ASCII), in any case. */
export function firstWordIs(line: string, word: string): boolean {
  const start = skipBlanks(line, 0);
  const end = start + word.length;
  if (end > line.length) return false;
  for (let k = 0; k < word.length; k++) {
    if ((line.charCodeAt(start + k) | 0x20) !== word.charCodeAt(k)) return false;
  }
  const after = line.charCodeAt(end);
  return end === line.length || after === 0x20 || after === 0x09;
}

/** The line protocol drops whitespace between the name and the value: a value starting with it cannot be sent as is. */
function leadingBlank(value: string): RuleBreak | null {
  const c = value.charCodeAt(0);
  return c === 0x20 || c === 0x09
    ? { code: ErrorCode.BadValue, reason: 'value starts with a space or tab, which the line protocol drops (use REST)' }
    : null;
}
