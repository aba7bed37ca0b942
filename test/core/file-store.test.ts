import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ErrorCode, JnhpError } from '../../core/errors.js';
import { Name } from '../../core/name.js';
import { formatError } from '../../core/protocol/format-reply.js';
import { LOCK_FILE } from '../../core/store/dir-lock.js';
import { FileStore, LOG_FILE } from '../../core/store/file-store.js';
import { FileStoreError } from '../../core/store/file-store-error.js';
import { type LogFile, openLogFile } from '../../core/store/log-file.js';

/** The real log file, with writes and fsyncs that a test can make fail or hold back. */
class ScriptedLog implements LogFile {
  writes = 0;
  syncs = 0;
  /** The next write puts this many bytes on disk, then fails (ENOSPC). */
  failWriteAfter: number | null = null;
  failSync = false;
  private held: Promise<void> | null = null;
  private letGo: () => void = () => {};
  private onHeld: (() => void) | null = null;
  private readonly real: LogFile;

  constructor(file: string) {
    this.real = openLogFile(file);
    scriptedLogs.push(this);
  }

  /** Holds every fsync until `release()`. */
  hold(): void {
    this.held = new Promise((resolve) => (this.letGo = resolve));
  }

  /** Resolves once an fsync waits on the hold. */
  holding(): Promise<void> {
    return new Promise((resolve) => (this.onHeld = resolve));
  }

  release(): void {
    this.held = null;
    this.letGo();
  }

  async write(buf: Buffer, length: number, position: number): Promise<void> {
    this.writes++;
    const partial = this.failWriteAfter;
    if (partial === null) return this.real.write(buf, length, position);
    this.failWriteAfter = null;
    await this.real.write(buf, Math.min(partial, length), position);
    throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
  }

  async sync(): Promise<void> {
    this.syncs++;
    if (this.held !== null) {
      this.onHeld?.();
      await this.held;
    }
    await this.real.sync();
    if (this.failSync) {
      this.failSync = false;
      throw Object.assign(new Error('EIO: i/o error, fdatasync'), { code: 'EIO' });
    }
  }

  truncate(length: number): Promise<void> {
    return this.real.truncate(length);
  }

  close(): Promise<void> {
    return this.real.close();
  }
}

const scriptedLogs: ScriptedLog[] = [];
const dirs: string[] = [];
const stores: FileStore[] = [];

function tempDir(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'jnhp-file-store-'));
  dirs.push(dir);
  return dir;
}

function open(dir: string): { store: FileStore; log: ScriptedLog } {
  let log: ScriptedLog | undefined;
  const store = FileStore.open({
    dir,
    openLog: (file) => {
      log = new ScriptedLog(file);
      return log;
    },
  });
  stores.push(store);
  return { store, log: log as ScriptedLog };
}

async function reopen(dir: string, store: FileStore): Promise<FileStore> {
  await store.close();
  return open(dir).store;
}

/** 'pending' until `promise` settles. */
async function state<T>(promise: T | Promise<T>): Promise<T | 'pending' | 'rejected'> {
  const marker = Symbol('pending');
  const settled = await Promise.race([
    Promise.resolve(promise).catch(() => 'rejected' as const),
    new Promise<typeof marker>((resolve) => setImmediate(() => setImmediate(() => resolve(marker)))),
  ]);
  return settled === marker ? 'pending' : (settled as T | 'rejected');
}

const n = Name.of;

afterEach(async () => {
  // A test that failed while holding an fsync must not hang the stores' close.
  for (const log of scriptedLogs.splice(0)) log.release();
  await Promise.all(stores.splice(0).map((s) => s.close()));
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('FileStore', () => {
  it('gives every stored name back, value for value, after a restart', async () => {
    const dir = tempDir();
    let { store } = open(dir);
    const values = ['a b  c\t d \t ', 'ключ 鍵 🙂 e\u0301', 'x'.repeat(65536), 'v'];
    for (const [i, value] of values.entries()) expect(await store.putIfAbsent(n(`k${i}`), value)).toBe(true);
    store = await reopen(dir, store);
    expect(store.readBack).toMatchObject({ names: values.length, tornTail: null });
    for (const [i, value] of values.entries()) expect(store.get(n(`k${i}`))).toBe(value);
    // Read again (kept as text now), and the names read back are present and taken.
    for (const [i, value] of values.entries()) expect(store.get(n(`k${i}`))).toBe(value);
    expect([store.has(n('k3')), store.putIfAbsent(n('k3'), 'other'), store.putIfAbsent(n('k0'), 'other')]).toEqual([
      true,
      false,
      false,
    ]);
  });

  it('answers a STORE only once its record is on disk, and shows the name to nobody before', async () => {
    const { store, log } = open(tempDir());
    log.hold();
    const holding = log.holding();
    const stored = store.putIfAbsent(n('slow'), 'v');
    const got = store.get(n('slow'));
    const present = store.has(n('slow'));
    await holding;
    expect(await state(stored)).toBe('pending');
    expect(await state(got)).toBe('pending');
    expect(await state(present)).toBe('pending');
    expect(log.syncs).toBe(1);
    log.release();
    expect(await stored).toBe(true);
    expect(await got).toBe('v');
    expect(await present).toBe(true);
    expect(store.get(n('slow'))).toBe('v');
  });

  it('writes the STOREs that arrive during a write and fsync together, in one more write and fsync', async () => {
    const { store, log } = open(tempDir());
    log.hold();
    const holding = log.holding();
    const first = store.putIfAbsent(n('first'), 'v');
    await holding;
    const more = Array.from({ length: 100 }, (_, i) => store.putIfAbsent(n(`more${i}`), `v${i}`));
    expect(log.writes).toBe(1);
    log.release();
    expect(await first).toBe(true);
    expect(await Promise.all(more)).toEqual(more.map(() => true));
    expect(log.writes).toBe(2);
    expect(log.syncs).toBe(2);
  });

  it('answers a second STORE of a name still being written RARGH! only once the first is on disk', async () => {
    const { store, log } = open(tempDir());
    log.hold();
    const holding = log.holding();
    const first = store.putIfAbsent(n('twice'), 'one');
    const second = store.putIfAbsent(n('twice'), 'two');
    await holding;
    expect(await state(second)).toBe('pending');
    log.release();
    expect(await first).toBe(true);
    expect(await second).toBe(false);
    expect(store.get(n('twice'))).toBe('one');
  });

  for (const [what, fail] of [
    ['a write that fails after half the frame', (log: ScriptedLog) => (log.failWriteAfter = 9)],
    ['a write that fails at once', (log: ScriptedLog) => (log.failWriteAfter = 0)],
    ['an fsync that fails', (log: ScriptedLog) => (log.failSync = true)],
  ] as const) {
    it(`answers storage unavailable for ${what}, stores nothing, and the next STORE works`, async () => {
      const dir = tempDir();
      let { store, log } = open(dir);
      expect(await store.putIfAbsent(n('before'), 'b')).toBe(true);
      const logBytes = statSync(path.join(dir, LOG_FILE)).size;
      fail(log);
      const lost = store.putIfAbsent(n('lost'), 'l');
      const lostToo = store.putIfAbsent(n('lost'), 'again');
      const err = await Promise.resolve(lost).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(JnhpError);
      expect((err as JnhpError).code).toBe(ErrorCode.StorageUnavailable);
      expect(formatError(err as JnhpError)).toBe('ERROR storage unavailable');
      await expect(lostToo).rejects.toThrow('storage unavailable');
      expect(store.get(n('lost'))).toBeUndefined();
      expect(store.has(n('lost'))).toBe(false);
      // Nothing of it is left in the file, even before another write.
      expect(statSync(path.join(dir, LOG_FILE)).size).toBe(logBytes);
      expect(await store.putIfAbsent(n('after'), 'a')).toBe(true);
      expect(await store.putIfAbsent(n('lost'), 'second try')).toBe(true);
      store = await reopen(dir, store);
      expect(store.readBack.tornTail).toBeNull();
      expect([store.get(n('before')), store.get(n('after')), store.get(n('lost'))]).toEqual(['b', 'a', 'second try']);
    });
  }

  it('tells of a failing disk once, and again when it works', async () => {
    const events: string[] = [];
    let log: ScriptedLog | undefined;
    const store = FileStore.open({
      dir: tempDir(),
      openLog: (file) => (log = new ScriptedLog(file)),
      onWriteFailed: (err) => events.push(`failed: ${(err as Error).message}`),
      onWriteRecovered: () => events.push('recovered'),
    });
    stores.push(store);
    for (const name of ['a', 'b']) {
      (log as ScriptedLog).failSync = true;
      await expect(store.putIfAbsent(n(name), 'v')).rejects.toThrow();
    }
    expect(await store.putIfAbsent(n('c'), 'v')).toBe(true);
    expect(events).toEqual(['failed: EIO: i/o error, fdatasync', 'recovered']);
  });

  it('fails the STOREs queued behind a write slower than the timeout, and new ones, until it ends', async () => {
    let log: ScriptedLog | undefined;
    const failures: string[] = [];
    const store = FileStore.open({
      dir: tempDir(),
      timeoutMs: 500,
      openLog: (file) => (log = new ScriptedLog(file)),
      onWriteFailed: (err) => failures.push((err as Error).message),
    });
    stores.push(store);
    const scripted = log as ScriptedLog;
    scripted.hold();
    try {
      const inWrite = store.putIfAbsent(n('in-write'), 'v');
      // Its write starts in the next turn; what comes after that is queued behind it.
      await new Promise((resolve) => setImmediate(resolve));
      const queued = store.putIfAbsent(n('queued'), 'v');
      await expect(queued).rejects.toThrow('storage unavailable');
      expect(failures).toEqual([expect.stringMatching(/^a write to the log has not finished in \d+ ms/)]);
      expect(() => store.putIfAbsent(n('new'), 'v')).toThrow('storage unavailable');
      await expect(store.ping()).rejects.toThrow('storage unavailable');
      expect(store.has(n('queued'))).toBe(false);
      expect(await state(inWrite)).toBe('pending');
      scripted.release();
      expect(await inWrite).toBe(true);
    } finally {
      scripted.release();
    }
    await expect(store.ping()).resolves.toBeUndefined();
    expect(await store.putIfAbsent(n('queued'), 'again')).toBe(true);
    expect(store.get(n('queued'))).toBe('again');
  });

  it('refuses a second store on a directory in use, naming its lock file', async () => {
    const dir = tempDir();
    const { store } = open(dir);
    expect(() => FileStore.open({ dir })).toThrow(FileStoreError);
    expect(() => FileStore.open({ dir })).toThrow(`${path.join(dir, LOCK_FILE)}: the data directory is in use`);
    await store.close();
    open(dir);
  });

  it('takes over a lock left by a process that is gone, or by an earlier process with its PID', () => {
    const gone = spawnSync(process.execPath, ['-e', '']).pid as number;
    const lock = (owner: object): string => `${JSON.stringify({ host: os.hostname(), ...owner })}\n`;
    for (const left of [lock({ pid: gone, started: '1' }), lock({ pid: process.pid, started: '1' }), '', '{"pi']) {
      const dir = tempDir();
      writeFileSync(path.join(dir, LOCK_FILE), left);
      open(dir);
      expect(JSON.parse(readFileSync(path.join(dir, LOCK_FILE), 'utf8'))).toMatchObject({ pid: process.pid });
    }
  });

  it('leaves alone a lock of a running process, and one from another host, naming them', () => {
    const dir = tempDir();
    const file = path.join(dir, LOCK_FILE);
    const stat = readFileSync(`/proc/${process.ppid}/stat`, 'latin1');
    const started = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
    writeFileSync(file, JSON.stringify({ pid: process.ppid, host: os.hostname(), started }));
    expect(() => FileStore.open({ dir })).toThrow(
      `${file}: the data directory is in use by another gateway (PID ${process.ppid})`,
    );
    writeFileSync(file, JSON.stringify({ pid: 1, host: 'elsewhere', started: '1' }));
    expect(() => FileStore.open({ dir })).toThrow(
      `${file}: the data directory is in use by a gateway on host elsewhere (PID 1); if it is gone, remove this file`,
    );
  });

  it('makes the data directory when it is missing, and refuses one it cannot make', () => {
    const dir = path.join(tempDir(), 'a', 'b');
    open(dir);
    expect(statSync(path.join(dir, LOG_FILE)).isFile()).toBe(true);
    const file = path.join(tempDir(), 'file');
    writeFileSync(file, '');
    expect(() => FileStore.open({ dir: path.join(file, 'sub') })).toThrow(FileStoreError);
  });
});
