// One gateway per data directory: a lock file made with O_EXCL holds the
// owner's PID. Node has no flock, so a lock left by a process that died
// (kill -9) is recognised by its PID no longer running, and taken over.

import fs from 'node:fs';
import path from 'node:path';
import { FileStoreError } from './file-store-error.js';

export const LOCK_FILE = 'jnhp.lock';

/** Lock files this process holds. A lock with its own PID that is not here was left by an earlier process with the same PID (a container's). */
const held = new Set<string>();

/** Takes the lock at `file` or throws FileStoreError; returns its release. */
export function lockDir(file: string): () => void {
  file = path.resolve(file);
  if (held.has(file)) throw new FileStoreError(`${file}: the data directory is in use by this gateway`);
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = fs.openSync(file, 'wx', 0o644);
      try {
        fs.writeSync(fd, `${process.pid}\n`);
      } finally {
        fs.closeSync(fd);
      }
      held.add(file);
      return () => release(file);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const holder = readPid(file);
    if (holder !== null && holder !== process.pid && isRunning(holder)) {
      throw new FileStoreError(`${file}: the data directory is in use by another gateway (PID ${holder})`);
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
    const moved = readPid(aside);
    if (moved !== holder) {
      fs.renameSync(aside, file);
      throw new FileStoreError(`${file}: the data directory is in use by another gateway (PID ${moved})`);
    }
    fs.unlinkSync(aside);
  }
  throw new FileStoreError(`${file}: could not take the lock of the data directory`);
}

function release(file: string): void {
  if (!held.delete(file)) return;
  try {
    if (readPid(file) === process.pid) fs.unlinkSync(file);
  } catch {
    // Already gone: nothing to release.
  }
}

/** The PID in a lock file, or null when it is missing, empty or not a PID. */
function readPid(file: string): number | null {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  const pid = Number(text.trim());
  return Number.isInteger(pid) && pid > 0 ? pid : null;
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it runs, as another user.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
