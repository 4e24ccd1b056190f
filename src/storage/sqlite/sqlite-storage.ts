import { chmodSync, closeSync, mkdirSync, openSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, SqliteAdapter, SqliteDialect, type Dialect } from 'kysely';
import { AppError } from '../../domain/errors.ts';
import type { RecordRenderer } from '../../domain/rendered-record.ts';
import { ForeignKeyViolationError, UniqueViolationError } from '../errors.ts';
import type { QueryObserver, Storage } from '../ports.ts';
import type { Database } from '../schema.ts';
import { withErrorMapping } from '../sql/error-mapping-dialect.ts';
import { queryLog } from '../sql/query-log.ts';
import { migrate, SqlStorage } from '../sql/sql-storage.ts';
import { silentNotifier } from './silent-notifier.ts';
import { withStatementCache } from './statement-cache.ts';

/**
 * SQLite's DDL is transactional, but Kysely's adapter says it is not, so its migrator would apply
 * migrations statement by statement: a start stopped partway (Ctrl-C, SIGTERM, a crash, a failed
 * statement) left half a migration that every later start then failed on (`table ... already
 * exists`). With this adapter the pending migrations commit together or not at all.
 */
class TransactionalDdlSqliteAdapter extends SqliteAdapter {
  override get supportsTransactionalDdl(): boolean {
    return true;
  }
}

/** The SQLite dialect, with migrations run in a transaction. */
function transactionalDdl(dialect: SqliteDialect): Dialect {
  return {
    createAdapter: () => new TransactionalDdlSqliteAdapter(),
    createDriver: () => dialect.createDriver(),
    createIntrospector: (db) => dialect.createIntrospector(db),
    createQueryCompiler: () => dialect.createQueryCompiler(),
  };
}

const UNAVAILABLE = /^SQLITE_(BUSY|LOCKED|CANTOPEN|IOERR|CORRUPT|NOTADB|READONLY)/;

/** Maps better-sqlite3 errors to storage errors. */
export function mapSqliteError(error: unknown): unknown {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code !== 'string') return error;
  if (code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY') {
    return new UniqueViolationError(String((error as Error).message), { cause: error });
  }
  if (code === 'SQLITE_CONSTRAINT_FOREIGNKEY') return new ForeignKeyViolationError({ cause: error });
  if (code === 'SQLITE_FULL') {
    return new AppError('STORE_UNAVAILABLE', 'the database cannot write: its disk is full', { cause: error });
  }
  if (UNAVAILABLE.test(code))
    return new AppError('STORE_UNAVAILABLE', 'the database is unavailable', { cause: error });
  return error;
}

/** SQLite rolls a transaction back by itself after a full disk or an I/O error. */
function alreadyRolledBack(error: unknown): boolean {
  return /no transaction is active/.test(String((error as Error | null)?.message));
}

/**
 * The database file and its -wal and -shm files hold every stored secret: only Kiln's user may read
 * them (0600), whatever the umask. The file is made before SQLite opens it because SQLite gives its
 * -wal and -shm files the database file's mode; files an earlier Kiln made are tightened.
 */
function makePrivate(path: string, create: boolean): void {
  if (create) {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    // Only before SQLite opens the file: closing any descriptor of it would drop the POSIX locks
    // SQLite holds on it (fcntl locks are per process and file), after which another connection
    // (sqlite3 .backup, a read-only look) believes it is the last one and deletes the live WAL.
    closeSync(openSync(path, 'a', 0o600));
  }
  for (const file of [path, `${path}-wal`, `${path}-shm`]) {
    let mode: number;
    try {
      mode = statSync(file).mode & 0o777;
    } catch {
      continue; // not there (yet)
    }
    if ((mode & 0o077) !== 0) chmodSync(file, mode & 0o700);
  }
}

/** Options of the embedded store. */
export interface SqliteStorageOptions {
  /** Database file, or ':memory:'. */
  path: string;
  /** Sees every statement run (tests count them). */
  onQuery?: QueryObserver;
  /**
   * Renders finished builds' records to keep beside them (domain/rendered-record.ts); without it
   * none are kept and records pages read every build whole.
   */
  records?: RecordRenderer;
  /** Told the migrations this start applied, when there were any (an upgrade, a new database). */
  onMigrated?: (migrations: string[]) => void;
}

/**
 * The embedded store: one SQLite file in WAL mode with foreign keys on. Kysely serialises all
 * statements over the single connection, so a transaction never interleaves with another.
 * synchronous=NORMAL in WAL mode survives a killed process (only power loss can drop the
 * newest commits).
 */
export async function createSqliteStorage(options: SqliteStorageOptions): Promise<Storage> {
  let database: BetterSqlite3.Database;
  try {
    if (options.path !== ':memory:') makePrivate(options.path, true);
    database = new BetterSqlite3(options.path);
    database.pragma('journal_mode = WAL');
    if (options.path !== ':memory:') makePrivate(options.path, false);
    database.pragma('synchronous = NORMAL');
    database.pragma('foreign_keys = ON');
    database.pragma('busy_timeout = 5000');
    // SQLite's own lower() leaves every letter past ASCII as it is ('É' stays 'É'): searches
    // (sql/search.ts) lower-case names as PostgreSQL does, with JavaScript's Unicode rules. No
    // index is built on lower(), so no stored index depends on the built-in one.
    database.function('lower', { deterministic: true }, (text: unknown) =>
      typeof text === 'string' ? text.toLowerCase() : text,
    );
  } catch (error) {
    throw new AppError('STORE_UNAVAILABLE', `cannot open the SQLite database at ${options.path}`, {
      cause: error,
    });
  }
  const db = new Kysely<Database>({
    dialect: withErrorMapping(
      transactionalDdl(new SqliteDialect({ database: withStatementCache(database) })),
      {
        map: mapSqliteError,
        alreadyRolledBack,
      },
    ),
    ...queryLog(options.onQuery),
  });
  const migrated = await migrate(db, 'sqlite');
  if (migrated.length > 0) options.onMigrated?.(migrated);
  return new SqlStorage(db, 'sqlite', silentNotifier, {
    skipLocked: false,
    rowListInserts: true,
    insightBytes: true,
    records: options.records,
  });
}
