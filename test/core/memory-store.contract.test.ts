import { MemoryStore } from '../../core/store/memory-store.js';
import { storeContract } from '../store.contract.js';

storeContract('MemoryStore', async () => ({ store: new MemoryStore(), close: async () => {} }));
