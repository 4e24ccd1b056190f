import { Migrator, sql, type Kysely } from 'kysely';
import { AppError } from '../../domain/errors.ts';
import { migrationProvider } from '../migrations/index.ts';
import type { Storage, Stores } from '../ports.ts';
import type { Database } from '../schema.ts';
import { SqlAccessKeyStore } from './access-key-store.ts';
import { SqlBuildStore } from './build-store.ts';
import type { SqlDialectName } from './dialect.ts';
import {
  SqlDomainStore,
  SqlIamProjectStore,
  SqlProjectStore,
  SqlTokenStore,
  SqlUserStore,
} from './identity-stores.ts';
import { SqlJobStore } from './job-store.ts';

/** The stores of the shared SQL implementation, bound to a connection or a transaction. */
export function sqlStores(db: Kysely<Database>): Stores {
  return {
    domains: new SqlDomainStore(db),
    users: new SqlUserStore(db),
    iamProjects: new SqlIamProjectStore(db),
    projects: new SqlProjectStore(db),
    tokens: new SqlTokenStore(db),
    accessKeys: new SqlAccessKeyStore(db),
    jobs: new SqlJobStore(db),
    builds: new SqlBuildStore(db),
  };
}

/** Applies every pending migration; throws when one fails (the store is then left as it was). */
export async function migrate(db: Kysely<Database>, dialect: SqlDialectName): Promise<void> {
  const migrator = new Migrator({ db, provider: migrationProvider(dialect) });
  const { error, results } = await migrator.migrateToLatest();
  const failed = results?.find((r) => r.status === 'Error');
  if (error || failed) {
    throw new AppError('STORE_UNAVAILABLE', `database migration ${failed?.migrationName ?? ''} failed`, {
      cause: error,
    });
  }
}

/** Storage over a Kysely instance; the SQLite and PostgreSQL adapters build on it. */
export class SqlStorage implements Storage {
  readonly domains;
  readonly users;
  readonly iamProjects;
  readonly projects;
  readonly tokens;
  readonly accessKeys;
  readonly jobs;
  readonly builds;

  constructor(
    readonly db: Kysely<Database>,
    readonly dialect: SqlDialectName,
    stores: Stores = sqlStores(db),
  ) {
    this.domains = stores.domains;
    this.users = stores.users;
    this.iamProjects = stores.iamProjects;
    this.projects = stores.projects;
    this.tokens = stores.tokens;
    this.accessKeys = stores.accessKeys;
    this.jobs = stores.jobs;
    this.builds = stores.builds;
  }

  transaction<T>(fn: (tx: Stores) => Promise<T>): Promise<T> {
    return this.db.transaction().execute((trx) => fn(this.storesFor(trx)));
  }

  /** The stores bound to a transaction; adapters override it to swap in their own queries. */
  protected storesFor(trx: Kysely<Database>): Stores {
    return sqlStores(trx);
  }

  async ping(): Promise<void> {
    await sql`select 1`.execute(this.db);
  }

  async close(): Promise<void> {
    await this.db.destroy();
  }
}
