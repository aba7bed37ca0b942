// Run by the file-store bench as a child process of its own, so that its
// memory figures are the store's alone: opens the store in the directory
// given, and prints the time the read-back took and the memory it holds.

import { FileStore } from '../../core/store/file-store.js';

const dir = process.argv[2] as string;
const gc = (globalThis as { gc?: () => void }).gc;
gc?.();
const before = process.memoryUsage();
const store = FileStore.open({ dir });
// Twice, a turn apart: freed buffers are let go after the collection that found them.
gc?.();
await new Promise((resolve) => setImmediate(resolve));
gc?.();
const after = process.memoryUsage();
process.stdout.write(
  `${JSON.stringify({
    names: store.readBack.names,
    logBytes: store.readBack.logBytes,
    ms: store.readBack.ms,
    rss: after.rss,
    rssGrowth: after.rss - before.rss,
    heapGrowth: after.heapUsed - before.heapUsed,
    externalGrowth: after.external - before.external,
  })}\n`,
);
await store.close();
