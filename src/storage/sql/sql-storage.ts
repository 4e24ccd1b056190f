import { Migrator, sql, type Kysely } from 'kysely';
import { AppError } from '../../domain/errors.ts';
import type { RecordRenderer } from '../../domain/rendered-record.ts';
import { retry } from '../../domain/retry.ts';
import { isTransactionConflict } from '../errors.ts';
import { migrationProvider } from '../migrations/index.ts';
import type { Notifier, Storage, Stores } from '../ports.ts';
import type { Database } from '../schema.ts';
import { SqlAccessKeyStore } from './access-key-store.ts';
import { SqlArtifactStore } from './artifact-store.ts';
import { SqlFlowStore } from './flow-store.ts';
import { SqlBuildStore } from './build-store.ts';
import type { SqlDialectName } from './dialect.ts';
import {
  SqlDomainStore,
  SqlIamProjectStore,
  SqlProjectStore,
  SqlTokenStore,
  SqlUserStore,
} from './identity-stores.ts';
import { SqlJobVersionStore } from './job-version-store.ts';
import { SqlJobGroupStore } from './job-group-store.ts';
import { SqlJobPermissionStore } from './job-permission-store.ts';
import { SqlJobStore } from './job-store.ts';
import { SqlLogStore } from './log-store.ts';
import { SqlQueueStore } from './queue-store.ts';
import { SqlRunnerStore } from './runner-store.ts';
import { SqlScheduleStore } from './schedule-store.ts';
import { SqlLoginThrottleStore, SqlUsedSignatureStore } from './sign-in-guard-stores.ts';
import { SqlStepStore } from './step-store.ts';
import { SqlBuildScriptStore } from './script-store.ts';
import { SqlTestCaseStore } from './test-case-store.ts';
import { SqlWebhookDeliveryStore } from './webhook-delivery-store.ts';
import { SqlNoticeStore } from './notice-store.ts';
import { SqlKeystoreStore } from './keystore-store.ts';
import { SqlTemplateStore } from './template-store.ts';
import { SqlServerSettingStore } from './server-setting-store.ts';

/** Dialect differences the shared stores need to know about. */
export interface SqlFlavour {
  /** PostgreSQL: claim queue rows with FOR UPDATE SKIP LOCKED. */
  skipLocked: boolean;
  /**
   * Bulk inserts (an import) as row lists (sql/row-list-insert.ts: SQLite, where a prepared one-row
   * insert per row is fastest), or as thousand-row VALUES lists (PostgreSQL: few round trips).
   */
  rowListInserts: boolean;
  /** Renders finished builds' records to keep beside them (none kept without). */
  records?: RecordRenderer;
  /**
   * The insights' rows read as bytes (SQLite: a BLOB comes as a Buffer, outside V8's heap, where
   * the window's texts were copied by its collections). PostgreSQL would send a bytea as hex.
   */
  insightBytes?: boolean;
}

/** Runs of one transaction the database gives up on collisions before its error goes out. */
const TRANSACTION_ATTEMPTS = 3;
/**
 * The wait before running a given-up transaction again: the other writer, woken by its rollback,
 * must first take the row it was waiting for. Run again at once, the given-up one could take its
 * own first row back before the other (woken but not yet running, on a busy machine) had it, and
 * deadlock again the same way: a clean-clone CI run saw one writer given up three times running.
 * Short, as the other holds its rows for one transaction; random, as retries should be.
 */
const CONFLICT_BACKOFF = { firstMs: 20, maxMs: 200 };

/** The stores of the shared SQL implementation, bound to a connection or a transaction. */
export function sqlStores(db: Kysely<Database>, flavour: SqlFlavour): Stores {
  return {
    domains: new SqlDomainStore(db),
    users: new SqlUserStore(db),
    iamProjects: new SqlIamProjectStore(db),
    projects: new SqlProjectStore(db),
    tokens: new SqlTokenStore(db),
    accessKeys: new SqlAccessKeyStore(db),
    jobs: new SqlJobStore(db),
    builds: new SqlBuildStore(db, flavour.rowListInserts, flavour.records, flavour.insightBytes),
    steps: new SqlStepStore(db),
    scripts: new SqlBuildScriptStore(db),
    testCases: new SqlTestCaseStore(db),
    artifacts: new SqlArtifactStore(db),
    jobVersions: new SqlJobVersionStore(db),
    jobGroups: new SqlJobGroupStore(db),
    jobPermissions: new SqlJobPermissionStore(db),
    flows: new SqlFlowStore(db),
    logs: new SqlLogStore(db),
    queue: new SqlQueueStore(db, flavour.skipLocked),
    schedules: new SqlScheduleStore(db),
    runners: new SqlRunnerStore(db),
    webhookDeliveries: new SqlWebhookDeliveryStore(db),
    notices: new SqlNoticeStore(db, flavour.skipLocked),
    keystores: new SqlKeystoreStore(db),
    templates: new SqlTemplateStore(db),
    loginThrottles: new SqlLoginThrottleStore(db),
    usedSignatures: new SqlUsedSignatureStore(db),
    serverSettings: new SqlServerSettingStore(db),
  };
}

/**
 * Applies every pending migration and returns their names (none: the database was up to date);
 * throws when one fails (the store is then left as it was).
 */
export async function migrate(db: Kysely<Database>, dialect: SqlDialectName): Promise<string[]> {
  const provider = migrationProvider(dialect);
  await refuseNewerDatabase(db, Object.keys(await provider.getMigrations()));
  // Kysely checks the applied migrations against ours in the order of the times they were applied:
  // a clock set back since the last upgrade would refuse every start. The names give the order.
  const migrator = new Migrator({ db, provider, allowUnorderedMigrations: true });
  const { error, results } = await migrator.migrateToLatest();
  const failed = results?.find((r) => r.status === 'Error');
  if (error || failed) {
    const reason = error instanceof Error ? `: ${error.message}` : '';
    const which = failed ? ` ${failed.migrationName}` : '';
    throw new AppError('STORE_UNAVAILABLE', `database migration${which} failed${reason}`, { cause: error });
  }
  return (results ?? []).map((r) => r.migrationName);
}

/**
 * A database a newer Kiln migrated (a migration this build does not have) is refused before
 * anything is written, saying so: this build does not know its schema (and Kysely alone would
 * only say "corrupted migrations"). The migration table is Kysely's default one.
 */
async function refuseNewerDatabase(db: Kysely<Database>, known: string[]): Promise<void> {
  const tables = await db.introspection.getTables({ withInternalKyselyTables: true });
  if (!tables.some((t) => t.name === 'kysely_migration')) return;
  const { rows } = await sql<{ name: string }>`select name from kysely_migration`.execute(db);
  const unknown = rows.map((r) => r.name).filter((name) => !known.includes(name));
  if (unknown.length === 0) return;
  const latest = [...known].sort().at(-1) ?? 'none';
  throw new AppError(
    'STORE_UNAVAILABLE',
    `the database was migrated by a newer Kiln (it has ${unknown.sort().join(', ')}; this Kiln knows up to ${latest}): ` +
      'upgrade Kiln to that version or later, or restore a backup taken before the upgrade',
  );
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
  readonly jobVersions;
  readonly jobGroups;
  readonly jobPermissions;
  readonly builds;
  readonly steps;
  readonly scripts;
  readonly testCases;
  readonly artifacts;
  readonly flows;
  readonly logs;
  readonly queue;
  readonly schedules;
  readonly runners;
  readonly webhookDeliveries;
  readonly notices;
  readonly keystores;
  readonly templates;
  readonly loginThrottles;
  readonly usedSignatures;
  readonly serverSettings;

  constructor(
    readonly db: Kysely<Database>,
    readonly dialect: SqlDialectName,
    readonly notifier: Notifier,
    private readonly flavour: SqlFlavour,
    private readonly onClose: () => Promise<void> = async () => {},
  ) {
    const stores = sqlStores(db, flavour);
    this.domains = stores.domains;
    this.users = stores.users;
    this.iamProjects = stores.iamProjects;
    this.projects = stores.projects;
    this.tokens = stores.tokens;
    this.accessKeys = stores.accessKeys;
    this.jobs = stores.jobs;
    this.jobVersions = stores.jobVersions;
    this.jobGroups = stores.jobGroups;
    this.jobPermissions = stores.jobPermissions;
    this.builds = stores.builds;
    this.steps = stores.steps;
    this.scripts = stores.scripts;
    this.testCases = stores.testCases;
    this.artifacts = stores.artifacts;
    this.flows = stores.flows;
    this.logs = stores.logs;
    this.queue = stores.queue;
    this.schedules = stores.schedules;
    this.runners = stores.runners;
    this.webhookDeliveries = stores.webhookDeliveries;
    this.notices = stores.notices;
    this.keystores = stores.keystores;
    this.templates = stores.templates;
    this.loginThrottles = stores.loginThrottles;
    this.usedSignatures = stores.usedSignatures;
    this.serverSettings = stores.serverSettings;
  }

  /**
   * Runs `fn` in a transaction. One the database gave up because of another (a deadlock: two
   * writers took the same rows in opposite orders) runs again after a short random wait, up to
   * three times in all: its work was rolled back whole, and callers keep side effects out of `fn`.
   */
  async transaction<T>(fn: (tx: Stores) => Promise<T>): Promise<T> {
    try {
      return await retry(() => this.db.transaction().execute((trx) => fn(sqlStores(trx, this.flavour))), {
        backoff: CONFLICT_BACKOFF,
        attempts: TRANSACTION_ATTEMPTS,
        transient: isTransactionConflict,
      });
    } catch (error) {
      if (!isTransactionConflict(error)) throw error;
      throw new AppError(
        'STORE_UNAVAILABLE',
        'the database is too busy with conflicting changes; try again',
        {
          cause: error,
        },
      );
    }
  }

  async ping(): Promise<void> {
    await sql`select 1`.execute(this.db);
  }

  async close(): Promise<void> {
    await this.onClose();
    await this.db.destroy();
  }
}
