// Names in the process, made durable by an append-only log in the data
// directory (SPEC section 5, docs/file-store.md). Reads are answered from
// memory. A STORE is answered once its record is on disk: STOREs that arrive
// while a write and fsync are under way go together in the next one (group
// commit). A name is visible only once durable, so that no reader sees a
// value a crash could take back: a read of a name still being written waits
// for its write, and a second STORE of it learns the first one's fate.

import fs from 'node:fs';
import path from 'node:path';
import { storageUnavailable } from '../errors.js';
import type { Name } from '../name.js';
import { ByteTable } from './byte-table.js';
import { LOCK_FILE, lockDir } from './dir-lock.js';
import { FileStoreError } from './file-store-error.js';
import { type LogFile, type OpenLogFile, openLogFile } from './log-file.js';
import { FrameBuilder } from './log-format.js';
import { readLogBack, type TornTail } from './log-recovery.js';
import type { MaybePromise, Store } from './store.js';
import { ValueArena } from './value-arena.js';

export const LOG_FILE = 'jnhp.log';

export interface FileStoreOptions {
  /** --data-dir: made when missing. */
  readonly dir: string;
  /**
   * --store-timeout-ms: when a write and fsync take longer, the STOREs queued
   * behind it fail with storage unavailable, and so do new ones until it ends.
   * Those in the write itself wait for it: answering them first could be
   * followed by their record reaching the disk. Default: no limit.
   */
  readonly timeoutMs?: number;
  /** The way to the log once it runs (tests make writes fail through it). */
  readonly openLog?: OpenLogFile;
  /** Writing to the log failed (a full disk) or is too slow: called at the first failure, not at each one. */
  readonly onWriteFailed?: (cause: unknown) => void;
  /** Writing works again after a failure. */
  readonly onWriteRecovered?: () => void;
}

/** What startup found in the log. */
export interface ReadBack {
  readonly file: string;
  readonly names: number;
  readonly logBytes: number;
  readonly tornTail: TornTail | null;
  readonly ms: number;
}

/** Frame buffers grown past this by a burst are let go after their write. */
const KEEP_FRAME_BYTES = 1024 * 1024;
const ignore = (): void => {};

/** A name whose record is being written: what its table slot holds until then. */
interface Pending {
  readonly value: string;
  readonly batch: Batch;
  /** The name's bytes in the batch's frame. */
  readonly nameAt: number;
  readonly nameLength: number;
}

/** The STOREs of one frame, answered together by one write and one fsync. */
class Batch {
  readonly entries: Pending[] = [];
  resolve!: (stored: true) => void;
  reject!: (err: unknown) => void;
  /** True once the frame is on disk; rejects with storage unavailable if it never gets there. */
  readonly stored = new Promise<boolean>((resolve, reject) => {
    this.resolve = resolve;
    this.reject = reject;
  });
  private lostAnswer: Promise<boolean> | null = null;

  constructor(readonly frame: FrameBuilder) {
    this.stored.catch(ignore);
  }

  /** The answer to a second STORE of a name in this batch: false once the first is on disk. */
  get lost(): Promise<boolean> {
    this.lostAnswer ??= this.stored.then(() => false);
    return this.lostAnswer;
  }
}

export class FileStore implements Store {
  /**
   * A string once durable; a number (its offset in `readValues`) when read
   * back and not asked for since; a Pending while being written; null after
   * its write failed.
   */
  private readonly table = new ByteTable<string | number | Pending | null>();
  private readonly readValues = new ValueArena();
  private count = 0;
  private next: Batch;
  private writing: Batch | null = null;
  private spare: FrameBuilder | null = new FrameBuilder();
  private scheduled = false;
  /** The log's length: where the next frame goes. */
  private end = 0;
  /** A failed write may have left bytes past `end`: cut them before the next write. */
  private tailDirty = false;
  private failing = false;
  private closed = false;
  /** A write has taken longer than the timeout and is not over yet. */
  private stalled: Error | null = null;
  private writeStarted = 0;
  private readonly watchdog: NodeJS.Timeout | null;
  private idle: (() => void) | null = null;
  private readonly log: LogFile;
  private readonly release: () => void;
  /** What startup found in the log. */
  readonly readBack: ReadBack;

  /** Locks the directory and reads the log back; throws FileStoreError when it cannot. */
  static open(options: FileStoreOptions): FileStore {
    return new FileStore(options);
  }

  private constructor(private readonly options: FileStoreOptions) {
    const started = performance.now();
    this.release = usable(options.dir, () => {
      fs.mkdirSync(options.dir, { recursive: true });
      return lockDir(path.join(options.dir, LOCK_FILE));
    });
    try {
      const file = path.join(options.dir, LOG_FILE);
      const { table, readValues } = this;
      const back = usable(options.dir, () =>
        readLogBack(file, (buf, nameStart, nameEnd, valueStart, valueEnd) => {
          // A name twice in the log (never written so): the first is the one stored.
          if (table.add(buf, nameStart, nameEnd, readValues.add(buf, valueStart, valueEnd))) this.count++;
        }),
      );
      readValues.trim();
      this.end = back.end;
      this.log = usable(options.dir, () => (options.openLog ?? openLogFile)(file));
      this.readBack = {
        file,
        names: this.count,
        logBytes: back.end,
        tornTail: back.tornTail,
        ms: Math.round(performance.now() - started),
      };
    } catch (err) {
      this.release();
      throw err;
    }
    this.next = new Batch(new FrameBuilder());
    const timeoutMs = options.timeoutMs;
    // One timer for the store's life, moved on at each write: no timer per batch.
    this.watchdog = timeoutMs === undefined ? null : setTimeout(() => this.checkWrite(timeoutMs), timeoutMs).unref();
  }

  /** Names stored (on disk). */
  get size(): number {
    return this.count;
  }

  get(name: Name): MaybePromise<string | undefined> {
    const found = this.table.get(name.buf, name.start, name.end);
    if (typeof found === 'string') return found;
    if (typeof found === 'number') return this.firstRead(name, found);
    if (found == null) return undefined;
    return found.batch.stored.then(() => found.value);
  }

  has(name: Name): MaybePromise<boolean> {
    const found = this.table.get(name.buf, name.start, name.end);
    if (typeof found === 'string' || typeof found === 'number') return true;
    if (found == null) return false;
    return found.batch.stored;
  }

  putIfAbsent(name: Name, value: string): MaybePromise<boolean> {
    const found = this.table.get(name.buf, name.start, name.end);
    if (typeof found === 'string' || typeof found === 'number') return false;
    if (found != null) return found.batch.lost;
    if (this.closed) throw storageUnavailable(new Error('the file store is closed'));
    if (this.stalled !== null) throw storageUnavailable(this.stalled);
    const batch = this.next;
    const nameAt = batch.frame.add(name, value);
    const pending: Pending = { value, batch, nameAt, nameLength: name.end - name.start };
    batch.entries.push(pending);
    this.table.set(name.buf, name.start, name.end, pending);
    if (this.writing === null && !this.scheduled) {
      // Wait out this turn of the event loop: every STORE read in it joins the write.
      this.scheduled = true;
      setImmediate(this.flush);
    }
    return batch.stored;
  }

  /** The value read back at `at`, made a string once and kept so. */
  private firstRead(name: Name, at: number): string {
    const value = this.readValues.text(at);
    this.table.set(name.buf, name.start, name.end, value);
    return value;
  }

  async ping(): Promise<void> {
    if (this.stalled !== null) throw storageUnavailable(this.stalled);
  }

  /** Finishes the writes under way, closes the log and lets go of the directory. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.writing !== null || this.scheduled) await new Promise<void>((resolve) => (this.idle = resolve));
    if (this.watchdog !== null) clearTimeout(this.watchdog);
    try {
      await this.log.close();
    } finally {
      this.release();
    }
  }

  private readonly flush = (): void => {
    this.scheduled = false;
    const batch = this.next;
    if (this.writing !== null || batch.entries.length === 0) return;
    this.writing = batch;
    this.next = new Batch(this.spare as FrameBuilder);
    this.spare = null;
    batch.frame.seal();
    this.writeStarted = performance.now();
    this.watchdog?.refresh();
    this.write(batch.frame).then(
      () => this.written(batch),
      (err: unknown) => this.notWritten(batch, err),
    );
  };

  private async write(frame: FrameBuilder): Promise<void> {
    if (this.tailDirty) await this.cutTail();
    try {
      await this.log.write(frame.buf, frame.used, this.end);
      await this.log.sync();
    } catch (err) {
      // Take the frame back before answering, so that it cannot reappear at
      // the next start; if that fails too, try again before the next write.
      this.tailDirty = true;
      await this.cutTail().catch(ignore);
      throw err;
    }
  }

  private async cutTail(): Promise<void> {
    await this.log.truncate(this.end);
    await this.log.sync();
    this.tailDirty = false;
  }

  private written(batch: Batch): void {
    const buf = batch.frame.buf;
    for (const p of batch.entries) this.table.set(buf, p.nameAt, p.nameAt + p.nameLength, p.value);
    this.count += batch.entries.length;
    this.end += batch.frame.used;
    if (this.failing) {
      this.failing = false;
      this.options.onWriteRecovered?.();
    }
    batch.resolve(true);
    this.settled(batch);
  }

  private notWritten(batch: Batch, err: unknown): void {
    this.fail(batch, err);
    this.settled(batch);
  }

  /** Takes the batch's names back and answers its STOREs storage unavailable. */
  private fail(batch: Batch, err: unknown): void {
    const buf = batch.frame.buf;
    for (const p of batch.entries) this.table.set(buf, p.nameAt, p.nameAt + p.nameLength, null);
    if (!this.failing) {
      this.failing = true;
      this.options.onWriteFailed?.(err);
    }
    batch.reject(storageUnavailable(err));
  }

  private checkWrite(timeoutMs: number): void {
    if (this.writing === null || this.stalled !== null) return;
    const ms = performance.now() - this.writeStarted;
    if (ms < timeoutMs) return;
    this.stalled = new Error(`a write to the log has not finished in ${Math.round(ms)} ms (see --store-timeout-ms)`);
    const queued = this.next;
    this.fail(queued, this.stalled);
    queued.frame.reset(KEEP_FRAME_BYTES);
    this.next = new Batch(queued.frame);
  }

  private settled(batch: Batch): void {
    batch.frame.reset(KEEP_FRAME_BYTES);
    this.spare = batch.frame;
    this.writing = null;
    this.stalled = null;
    if (!this.next.frame.isEmpty) this.flush();
    else this.idle?.();
  }
}

/** Runs a startup step; a file system error (no such directory, no permission) becomes a FileStoreError. */
function usable<T>(dir: string, step: () => T): T {
  try {
    return step();
  } catch (err) {
    if (err instanceof FileStoreError || typeof (err as NodeJS.ErrnoException).code !== 'string') throw err;
    throw new FileStoreError(`${dir}: cannot use the data directory: ${(err as Error).message}`, { cause: err });
  }
}
