// One gateway per data directory. Node has no flock, so the lock is a file
// made with O_EXCL naming its owner: PID, host name and the process's start
// time. A lock whose process no longer runs (kill -9, a crash) is taken over;
// the start time tells a PID used again (a restarted container's gateway
// often gets the same one) from the owner itself. A lock from another host
// name (another container on a shared volume) cannot be checked, so it holds.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FileStoreError } from './file-store-error.js';

export const LOCK_FILE = 'jnhp.lock';

interface Owner {
  readonly pid: number;
  readonly host: string;
  /** Start time in clock ticks after boot (/proc/PID/stat), or null where there is no /proc. */
  readonly started: string | null;
}

/** Lock files this process holds. */
const held = new Set<string>();

/** Takes the lock at `file` or throws FileStoreError; returns its release. */
export function lockDir(file: string): () => void {
  file = path.resolve(file);
  if (held.has(file)) throw new FileStoreError(`${file}: the data directory is in use by this gateway`);
  const me: Owner = { pid: process.pid, host: os.hostname(), started: startTime(process.pid) };
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = fs.openSync(file, 'wx', 0o644);
      try {
        fs.writeSync(fd, `${JSON.stringify(me)}\n`);
      } finally {
        fs.closeSync(fd);
      }
      held.add(file);
      return () => release(file, me);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const text = readLock(file);
    if (text === null) continue;
    const owner = parseOwner(text);
    if (owner !== null && owner.host !== me.host) {
      throw new FileStoreError(
        `${file}: the data directory is in use by a gateway on host ${owner.host} (PID ${owner.pid}); if it is gone, remove this file`,
      );
    }
    if (owner !== null && isRunning(owner)) {
      throw new FileStoreError(`${file}: the data directory is in use by another gateway (PID ${owner.pid})`);
    }
    // Stale. Move it aside first and check that what moved is the stale lock
    // read above, not a fresh one another gateway made in the meantime.
    const aside = `${file}.stale-${process.pid}`;
    try {
      fs.renameSync(file, aside);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw err;
    }
    const moved = readLock(aside);
    if (moved !== text) {
      fs.renameSync(aside, file);
      const other = parseOwner(moved ?? '');
      throw new FileStoreError(`${file}: the data directory is in use by another gateway (PID ${other?.pid ?? '?'})`);
    }
    fs.unlinkSync(aside);
  }
  throw new FileStoreError(`${file}: could not take the lock of the data directory`);
}

function release(file: string, me: Owner): void {
  if (!held.delete(file)) return;
  try {
    if (readLock(file) === `${JSON.stringify(me)}\n`) fs.unlinkSync(file);
  } catch {
    // Already gone: nothing to release.
  }
}

function readLock(file: string): string | null {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

/** The owner named by a lock file, or null when it is empty or garbled (a crash while it was made). */
function parseOwner(text: string): Owner | null {
  try {
    const o = JSON.parse(text) as Partial<Owner>;
    if (!Number.isInteger(o.pid) || typeof o.host !== 'string') return null;
    return { pid: o.pid as number, host: o.host, started: typeof o.started === 'string' ? o.started : null };
  } catch {
    return null;
  }
}

function isRunning(owner: Owner): boolean {
  if (owner.started !== null) {
    const now = startTime(owner.pid);
    if (now !== null || startTime(process.pid) !== null) return now === owner.started;
  }
  // No /proc: a signal 0 tells whether the PID runs; our own PID is an earlier process's.
  if (owner.pid === process.pid) return false;
  try {
    process.kill(owner.pid, 0);
    return true;
  } catch (err) {
    // EPERM: it runs, as another user.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Field 22 of /proc/PID/stat (after the command name, which may hold spaces), or null. */
function startTime(pid: number): string | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'latin1');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? null;
  } catch {
    return null;
  }
}
