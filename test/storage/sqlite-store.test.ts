import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSqliteStorage } from '../../src/storage/sqlite/sqlite-storage.ts';
import { runStoreContract } from './contract/store-contract.ts';

runStoreContract({
  name: 'sqlite',
  async createStorage() {
    const dir = mkdtempSync(join(tmpdir(), 'kiln-sqlite-'));
    const storage = await createSqliteStorage({ path: join(dir, 'kiln.db') });
    return {
      storage,
      async cleanup() {
        await storage.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  },
});
