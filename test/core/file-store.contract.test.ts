import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FileStore } from '../../core/store/file-store.js';
import { storeContract } from '../store.contract.js';

storeContract('FileStore', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'jnhp-file-store-'));
  const store = FileStore.open({ dir });
  return {
    store,
    close: async () => {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});
