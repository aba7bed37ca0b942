// One client connection speaking JNHP lines, whatever carries them. Owns
// framing, ordering and flow control; the transport supplies a Peer.
//
// Commands run one after another in arrival order. A command answered
// synchronously (memory store, cached names) is written at once; one that
// returns a Promise takes a slot in an ordered queue of replies. Single-step
// store operations may overlap (the store applies them in order). Multi-step
// STOREs (check, validate, set) of distinct names may be validated side by
// side while the hooks have idle slots, and are applied in order
// (StoresInFlight); any other line waits until they are all done.

import { AccessControl, permissionDenied, rateLimited } from './access/access-control.js';
import { Permission } from './access/acl.js';
import { Identity } from './access/identity.js';
import { type CommandObserver, Outcome } from './command-observer.js';
import type { Engine, StoreOutcome } from './engine.js';
import { ErrorCode, toJnhpError } from './errors.js';
import type { Name } from './name.js';
import { Op } from './protocol/command.js';
import { formatAuth, formatError, formatExists, formatGet, formatStore, Reply } from './protocol/format-reply.js';
import { LineSplitter, Next } from './protocol/line-splitter.js';
import { ParseScratch, parseCommand } from './protocol/parse-command.js';
import type { MaybePromise } from './store/store.js';
import { StoresInFlight } from './stores-in-flight.js';
import type { ClientInfo } from './validation/validation.js';

/** What a transport gives a session: a place to put replies and a tap on its input. */
export interface Peer {
  readonly client: ClientInfo;
  /** Queues one reply line (without line end). */
  send(reply: string): void;
  /** Writes what `send` queued: called once per burst of replies. */
  flush(): void;
  /** Stops and restarts delivery of input (`receive` calls). */
  pause(): void;
  resume(): void;
  /** Closes once everything sent has been written. */
  close(): void;
  /** The session now holds this many bytes of input (an unfinished line, input not yet run). */
  holdsInput?(bytes: number): void;
  /**
   * True while the transport holds more unwritten replies than it will
   * buffer: the session then runs no more lines and reads no more input
   * until the transport calls `LineSession.writable()`.
   */
  readonly congested?: boolean;
}

export interface SessionOptions {
  readonly maxLineBytes: number;
  /** Replies waiting on the store before the session stops reading. */
  readonly maxPending?: number;
  /** Called when a session hits an unexpected (non-protocol) error. */
  readonly onInternalError?: (err: unknown) => void;
  readonly observer?: CommandObserver;
  /** The ACL and the --store-rate limiter; none: every client may do everything. */
  readonly access?: AccessControl;
  /** The user the transport already authenticated (a WebSocket bearer token), if any. */
  readonly user?: string;
}

/** How one kind of result becomes a reply line and an outcome. */
interface Answer<T> {
  readonly op: Op;
  format(value: T): string;
  outcome(value: T): Outcome;
}

const GET: Answer<string | undefined> = {
  op: Op.Get,
  format: formatGet,
  outcome: (value) => (value === undefined ? Outcome.Miss : Outcome.Hit),
};
const EXISTS: Answer<boolean> = {
  op: Op.Exists,
  format: formatExists,
  outcome: (present) => (present ? Outcome.Present : Outcome.Absent),
};
const STORE: Answer<StoreOutcome> = {
  op: Op.Store,
  format: formatStore,
  outcome: (stored) => stored,
};

interface Slot {
  text: string | null;
}

const DEFAULT_MAX_PENDING = 256;
/** Settled once: the pump of a burst of messages runs as its reaction. */
const QUEUED = Promise.resolve();
/**
 * Work done for one connection before the others get their turn: lines, a
 * long line counting as one more per KiB. What is left waits for the next
 * turn of the event loop (setImmediate), so that a client that floods
 * commands delays the others by a slice, not by its whole backlog.
 */
export const SLICE_LINES = 256;
/** Unread input past which a connection is no longer read until its lines have run. */
export const INPUT_HIGH_WATER = 64 * 1024;

interface Refusal {
  /** Where in the input it stands: once this many bytes were consumed. */
  readonly at: number;
  readonly text: string;
}

export class LineSession {
  private readonly splitter: LineSplitter;
  private readonly maxPending: number;
  private readonly lineTooLong: string;
  private readonly scratch = new ParseScratch();
  private readonly observer: CommandObserver | undefined;
  /** Error replies for input the transport refused, each in its place among the lines. */
  private refusals: Refusal[] = [];
  private readonly access: AccessControl;
  private readonly identity: Identity;
  /** The identity while an ACL is in force, else null: without one the hot path checks nothing. */
  private readonly checked: Identity | null;
  /** Who asks, as the validators see it: the peer's, with the user changed by AUTH. */
  private client: ClientInfo;
  /** The reply past --store-rate; empty without a limit. */
  private readonly rateLimitedReply: string;
  private pending: Slot[] = [];
  /** Validated STOREs still in flight; null without validation (STORE is then a single step). */
  private readonly stores: StoresInFlight | null;
  /** The next line waits (given back to the splitter) until a STORE in flight settles. */
  private held = false;
  private inputEnded = false;
  private keepPartialLine = true;
  private closing = false;
  private closed = false;
  private paused = false;
  private pumping = false;
  /** A pump is queued in a microtask: messages that arrived together, replies settled together, run in one go. */
  private pumpQueued = false;
  /** The next slice of this connection's input waits for the next turn of the event loop. */
  private sliceQueued = false;
  private heldInput = 0;

  constructor(
    private readonly engine: Engine,
    private readonly peer: Peer,
    private readonly options: SessionOptions,
  ) {
    this.splitter = new LineSplitter(options.maxLineBytes);
    this.maxPending = options.maxPending ?? DEFAULT_MAX_PENDING;
    this.observer = options.observer;
    this.lineTooLong = formatError({
      reason: `line longer than ${options.maxLineBytes} bytes (see --max-line-bytes)`,
    });
    this.access = options.access ?? new AccessControl(null);
    this.identity = new Identity(this.access, options.user);
    this.checked = this.access.hasAcl ? this.identity : null;
    this.client = peer.client;
    this.stores = engine.storeIsMultiStep ? new StoresInFlight() : null;
    const limiter = this.access.limiter;
    this.rateLimitedReply = limiter === null ? '' : formatError(rateLimited(limiter.rate));
  }

  /** Feeds bytes read from the client; runs what it can at once. */
  receive(chunk: Buffer): void {
    if (this.closed || this.inputEnded) return;
    this.splitter.feed(chunk);
    this.pump();
  }

  /**
   * Feeds one message that ends with a line end (added when missing). Many
   * messages that arrive together run in one go, in a microtask.
   */
  receiveMessage(message: Buffer): void {
    if (this.closed || this.inputEnded) return;
    this.splitter.feedLine(message);
    this.queuePump();
  }

  /**
   * Answers `ERROR reason` in the place of a command: input the transport
   * itself refuses (a binary WebSocket message) keeps the order of replies.
   */
  refuse(reason: string): void {
    if (this.closed || this.inputEnded) return;
    const text = formatError({ reason });
    if (this.splitter.hasInput || this.refusals.length > 0) {
      this.refusals.push({ at: this.splitter.consumed + this.splitter.unread, text });
    } else if (!this.closing) this.refused(text);
    this.queuePump();
  }

  /** The transport can take replies again (see `Peer.congested`): run the lines held back. */
  writable(): void {
    this.pump();
  }

  /** The client will send nothing more: answer what it sent, then close. */
  endOfInput(): void {
    if (this.closed) return;
    this.inputEnded = true;
    this.pump();
  }

  /** The server is shutting down: answer the complete lines received, then close. */
  drain(): void {
    if (this.closed) return;
    this.keepPartialLine = false;
    this.endOfInput();
  }

  /** The connection is gone: nothing more will be written. */
  destroy(): void {
    this.closed = true;
    this.refusals = [];
    this.pending = [];
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** No command waits for its reply and no work is queued (an unfinished line may wait for its end). */
  get isIdle(): boolean {
    return this.pending.length === 0 && !this.pumpQueued && !this.sliceQueued && this.peer.congested !== true;
  }

  private queuePump(): void {
    if (this.pumpQueued) return;
    this.pumpQueued = true;
    // A bare promise reaction: queueMicrotask would add an async resource for every message.
    QUEUED.then(this.queuedPump);
  }

  private readonly queuedPump = (): void => {
    this.pumpQueued = false;
    this.pump();
  };

  private readonly nextSlice = (): void => {
    this.sliceQueued = false;
    this.pump();
  };

  private pump(): void {
    if (this.pumping || this.closed) return;
    this.pumping = true;
    try {
      this.runLines();
      this.adjustFlow();
      this.peer.flush();
      const held = this.splitter.heldBytes;
      if (held !== this.heldInput) {
        this.heldInput = held;
        this.peer.holdsInput?.(held);
      }
      if (this.closing && this.pending.length === 0) {
        this.closed = true;
        this.peer.close();
      }
    } finally {
      this.pumping = false;
    }
  }

  private runLines(): void {
    const splitter = this.splitter;
    const peer = this.peer;
    const stores = this.stores;
    let budget = SLICE_LINES;
    while (!this.closing && !this.held && this.pending.length < this.maxPending && peer.congested !== true) {
      if (this.refusals.length > 0 && this.refuseDue()) continue;
      if (stores !== null && stores.count > 0 && (stores.full || !this.engine.storeMayGoAhead)) {
        // Nothing may run beside the STOREs in flight: the next line is not even read until one settles.
        this.held = true;
        return;
      }
      let next = splitter.next();
      if (next === Next.NeedMore) {
        if (!this.inputEnded) return;
        next = this.keepPartialLine ? splitter.finish() : Next.NeedMore;
        if (next === Next.NeedMore) {
          // Every byte received has run: what the transport refused comes last.
          for (const refusal of this.refusals) this.refused(refusal.text);
          this.refusals = [];
          this.closing = true;
          return;
        }
      }
      if (next === Next.Overflow) {
        this.reply(this.lineTooLong);
        this.observe(Op.Invalid, Outcome.Invalid, null);
      } else {
        this.runLine(splitter.buf, splitter.start, splitter.end);
      }
      budget -= 1 + ((splitter.end - splitter.start) >> 10);
      if (budget <= 0) {
        // The rest waits for the next turn of the event loop: others go first.
        if (!this.sliceQueued && (splitter.hasInput || this.inputEnded)) {
          this.sliceQueued = true;
          setImmediate(this.nextSlice);
        }
        return;
      }
    }
  }

  /** Answers the first refusal if the input before it has all run; true if it did. */
  private refuseDue(): boolean {
    const first = this.refusals[0] as Refusal;
    if (first.at > this.splitter.consumed) return false;
    this.refusals.shift();
    this.refused(first.text);
    return true;
  }

  private runLine(buf: Buffer, start: number, end: number): void {
    const command = parseCommand(buf, start, end, this.scratch);
    if (command === null) return;
    const stores = this.stores;
    if (stores !== null && stores.count > 0 && !(command.op === Op.Store && stores.admits(command.name.text))) {
      // Only a STORE of another name may start beside the STOREs in flight (runLines saw idle hook slots).
      this.splitter.giveBack();
      this.held = true;
      return;
    }
    try {
      const checked = this.checked;
      switch (command.op) {
        case Op.Get: {
          // The hottest path, spelt out: a synchronous GET calls nothing generic.
          if (checked !== null && !checked.may(Permission.Read, command.name)) {
            this.deny(Op.Get, Permission.Read, command.name);
            return;
          }
          const value = this.engine.get(command.name);
          if (value instanceof Promise) {
            this.later(GET, value, null);
          } else if (value === undefined) {
            this.reply(Reply.Absent);
            this.observer?.observe(this.peer.client.transport, Op.Get, Outcome.Miss, null);
          } else {
            this.reply(value);
            this.observer?.observe(this.peer.client.transport, Op.Get, Outcome.Hit, null);
          }
          return;
        }
        case Op.Exists:
          if (checked !== null && !checked.may(Permission.Read, command.name)) {
            this.deny(Op.Exists, Permission.Read, command.name);
            return;
          }
          this.answer(EXISTS, this.engine.exists(command.name));
          return;
        case Op.Store:
          if (checked !== null && !checked.may(Permission.Write, command.name)) {
            this.deny(Op.Store, Permission.Write, command.name);
            return;
          }
          if (this.rateLimitedReply !== '' && this.access.limitStore(this.client.user, this.client.remoteAddress) > 0) {
            this.reply(this.rateLimitedReply);
            this.observe(Op.Store, Outcome.RateLimited, null);
            return;
          }
          if (stores !== null) this.storeValidated(stores, command.name, command.value);
          else this.answer(STORE, this.engine.store(command.name, command.value, this.client));
          return;
        case Op.Auth:
          this.authenticate(command.token);
          return;
        case Op.Ping:
          this.reply(Reply.Pong);
          this.observe(Op.Ping, Outcome.Ok, null);
          return;
        case Op.Quit:
        case Op.Http:
          this.closing = true;
          this.observe(command.op, Outcome.Ok, null);
          return;
        case Op.Invalid:
          this.reply(formatError(command));
          this.observe(Op.Invalid, Outcome.Invalid, null);
          return;
      }
    } catch (err) {
      this.reply(this.errorReply(err));
      this.observe(command.op, Outcome.Error, null);
    }
  }

  private storeValidated(stores: StoresInFlight, name: Name, value: string): void {
    const key = name.text;
    const outcome = this.engine.store(name, value, this.client, stores.last) as Promise<StoreOutcome>;
    stores.started(key, outcome);
    this.later(STORE, outcome, key);
  }

  /** `ERROR permission denied ...` in the command's place; nothing runs. */
  private deny(op: Op, permission: Permission, name: Name): void {
    this.reply(formatError(permissionDenied(this.identity.shownName, permission, name)));
    this.observe(op, Outcome.Denied, null);
  }

  private authenticate(token: string): void {
    const identity = this.identity;
    const ok = identity.authenticate(token);
    this.reply(formatAuth(ok));
    if (ok) {
      const { transport, remoteAddress } = this.peer.client;
      this.client = { transport, remoteAddress, user: identity.name };
      this.observe(Op.Auth, Outcome.Ok, null);
      return;
    }
    this.observe(Op.Auth, Outcome.Refused, null);
    // After too many failures the connection ends: guessing tokens costs a new connection per 10 guesses.
    if (identity.exhausted) this.closing = true;
  }

  private answer<T>(answer: Answer<T>, result: MaybePromise<T>): void {
    if (result instanceof Promise) {
      this.later(answer, result, null);
      return;
    }
    this.reply(answer.format(result));
    this.observer?.observe(this.peer.client.transport, answer.op, answer.outcome(result), null);
  }

  /** Keeps the reply's place in line until `result` settles; `storeName`: a validated STORE's. */
  private later<T>(answer: Answer<T>, result: Promise<T>, storeName: string | null): void {
    const slot: Slot = { text: null };
    const started = performance.now();
    this.pending.push(slot);
    result.then(
      (value) => {
        if (storeName !== null) this.storeSettled(storeName, result);
        this.observe(answer.op, answer.outcome(value), (performance.now() - started) / 1000);
        this.settle(slot, answer.format(value));
      },
      (err: unknown) => {
        if (storeName !== null) this.storeSettled(storeName, result);
        this.observe(answer.op, Outcome.Error, (performance.now() - started) / 1000);
        this.settle(slot, this.errorReply(err));
      },
    );
  }

  private storeSettled(name: string, outcome: Promise<unknown>): void {
    (this.stores as StoresInFlight).settled(name, outcome);
    // The line held back is looked at again: it may go ahead now, or wait on.
    this.held = false;
  }

  private refused(text: string): void {
    this.reply(text);
    this.observe(Op.Invalid, Outcome.Invalid, null);
  }

  private observe(op: Op, outcome: Outcome, seconds: number | null): void {
    this.observer?.observe(this.peer.client.transport, op, outcome, seconds);
  }

  private reply(text: string): void {
    if (this.pending.length === 0) this.peer.send(text);
    else this.pending.push({ text });
  }

  private settle(slot: Slot, text: string): void {
    if (this.closed) return;
    slot.text = text;
    const pending = this.pending;
    while (pending.length > 0 && (pending[0] as Slot).text !== null) {
      this.peer.send((pending.shift() as Slot).text as string);
    }
    this.queuePump();
  }

  private errorReply(err: unknown): string {
    const error = toJnhpError(err);
    if (error.code === ErrorCode.Internal) this.options.onInternalError?.(err);
    return formatError(error);
  }

  /** Reads on only while it can run what it reads and write what it runs; bounds what a client can queue. */
  private adjustFlow(): void {
    const wantsInput =
      !this.closing &&
      !this.held &&
      this.pending.length < this.maxPending &&
      this.peer.congested !== true &&
      this.splitter.unread <= INPUT_HIGH_WATER;
    if (wantsInput === !this.paused) return;
    this.paused = !wantsInput;
    if (this.paused) this.peer.pause();
    else this.peer.resume();
  }
}
