// Opens --store file and says what it does in the log: what was read back,
// a torn tail cut off, writes failing (a full disk) and working again.

import { FileStore } from '../core/store/file-store.js';
import type { Logger } from './logger.js';

export function openFileStore(dir: string, timeoutMs: number, logger: Logger): FileStore {
  const store = FileStore.open({
    dir,
    timeoutMs,
    onWriteFailed: (err) => logger.warn({ err, store: 'file' }, 'log write failed; STOREs answer storage unavailable'),
    onWriteRecovered: () => logger.info({ store: 'file' }, 'log writes work again'),
  });
  const { file, names, logBytes, tornTail, ms } = store.readBack;
  if (tornTail !== null) {
    logger.warn(
      { file, offset: tornTail.offset, bytes: tornTail.bytes },
      'torn last record cut off the log (a crash mid-write; it was never acknowledged)',
    );
  }
  logger.info({ file, names, logBytes, ms }, 'log read back');
  return store;
}
