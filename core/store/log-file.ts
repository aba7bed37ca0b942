// The file store's way to its log once it runs: a small seam, so that tests
// can make a write or an fsync fail as a full or broken disk would.

import fs from 'node:fs';

export interface LogFile {
  /** Writes buf[0, length) at `position`, all of it, or rejects. */
  write(buf: Buffer, length: number, position: number): Promise<void>;
  /** Resolves once everything written is on disk (fdatasync). */
  sync(): Promise<void>;
  truncate(length: number): Promise<void>;
  close(): Promise<void>;
}

/** Opens an existing log for writing. */
export type OpenLogFile = (path: string) => LogFile;

export const openLogFile: OpenLogFile = (path) => new NodeLogFile(fs.openSync(path, 'r+'));

class NodeLogFile implements LogFile {
  constructor(private readonly fd: number) {}

  write(buf: Buffer, length: number, position: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const step = (offset: number): void => {
        fs.write(this.fd, buf, offset, length - offset, position + offset, (err, written) => {
          if (err) reject(err);
          else if (written === 0) reject(new Error(`short write at offset ${position + offset}`));
          else if (offset + written >= length) resolve();
          else step(offset + written);
        });
      };
      step(0);
    });
  }

  sync(): Promise<void> {
    return new Promise((resolve, reject) => fs.fdatasync(this.fd, (err) => (err ? reject(err) : resolve())));
  }

  truncate(length: number): Promise<void> {
    return new Promise((resolve, reject) => fs.ftruncate(this.fd, length, (err) => (err ? reject(err) : resolve())));
  }

  close(): Promise<void> {
    return new Promise((resolve, reject) => fs.close(this.fd, (err) => (err ? reject(err) : resolve())));
  }
}
