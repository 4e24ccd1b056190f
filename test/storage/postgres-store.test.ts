import { describe } from 'vitest';
import { createPostgresStorage } from '../../src/storage/postgres/postgres-storage.ts';
import { runStoreContract } from './contract/store-contract.ts';
import { createMigratedTestDatabase, TEST_DATABASE_URL } from '../helpers/postgres.ts';

describe.skipIf(!TEST_DATABASE_URL)('postgres', () => {
  runStoreContract({
    name: 'postgres',
    async createStorage() {
      const database = await createMigratedTestDatabase();
      const storage = await createPostgresStorage({ url: database.url, poolSize: 5 });
      return {
        storage,
        async cleanup() {
          await storage.close();
          await database.drop();
        },
      };
    },
  });
});
