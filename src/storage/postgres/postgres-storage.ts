import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { AppError } from '../../domain/errors.ts';
import type { RecordRenderer } from '../../domain/rendered-record.ts';
import { ForeignKeyViolationError, TransactionConflictError, UniqueViolationError } from '../errors.ts';
import type { QueryObserver, Storage } from '../ports.ts';
import type { Database } from '../schema.ts';
import { withErrorMapping } from '../sql/error-mapping-dialect.ts';
import { queryLog } from '../sql/query-log.ts';
import { migrate, SqlStorage } from '../sql/sql-storage.ts';
import { PgNotifier } from './pg-notifier.ts';

/** SQLSTATE classes that mean "the server is gone or refusing", not "your query is wrong". */
const UNAVAILABLE_STATES = /^(08|53|57P)/;
const UNAVAILABLE_NET = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EHOSTUNREACH',
]);

/**
 * node-postgres's pool waited its connection timeout for one of its connections to come free (a
 * new connection that takes too long fails otherwise: "Connection terminated due to connection
 * timeout"). The database answers; this server has more work than connections.
 */
const POOL_BUSY = 'timeout exceeded when trying to connect';

/** Every connection of this server's pool stayed in use: the server is busy, the database up. */
export class PoolBusyError extends AppError {
  constructor(cause: unknown) {
    super(
      'STORE_UNAVAILABLE',
      'the server is busy: every connection of its database pool (KILN_DB_POOL_SIZE) stayed in use; try again',
      { cause },
    );
  }
}

/** Maps node-postgres errors to storage errors. */
export function mapPostgresError(error: unknown): unknown {
  const e = error as { code?: unknown; constraint?: unknown; message?: unknown } | null;
  const code = typeof e?.code === 'string' ? e.code : '';
  if (code === '23505') return new UniqueViolationError(String(e?.constraint ?? 'unique'), { cause: error });
  if (code === '23503') return new ForeignKeyViolationError({ cause: error });
  // deadlock_detected, serialization_failure
  if (code === '40P01' || code === '40001') return new TransactionConflictError({ cause: error });
  const message = typeof e?.message === 'string' ? e.message : '';
  if (message === POOL_BUSY) return new PoolBusyError(error);
  if (
    UNAVAILABLE_STATES.test(code) ||
    UNAVAILABLE_NET.has(code) ||
    /Connection terminated|connection error|Connection refused/i.test(message)
  ) {
    return new AppError('STORE_UNAVAILABLE', 'the database is unavailable', { cause: error });
  }
  return error;
}

/** Type parsers: bigint and numeric come back as JS numbers (all Kiln values fit in 2^53). */
function numberTypes(): pg.CustomTypesConfig {
  const types = new pg.TypeOverrides();
  types.setTypeParser(pg.types.builtins.INT8, (v) => Number(v));
  types.setTypeParser(pg.types.builtins.NUMERIC, (v) => Number(v));
  return types;
}

/** Options of the PostgreSQL store. */
export interface PostgresStorageOptions {
  url: string;
  poolSize: number;
  /** Called with errors of idle pooled connections (a restarted server), which would otherwise crash the process. */
  onIdleError?: (error: Error) => void;
  /** The listening connection is back after an outage (its start went to onIdleError). */
  onRecovered?: (downMs: number) => void;
  /** Sees every statement run through the store's queries (tests count them). */
  onQuery?: QueryObserver;
  /**
   * Renders finished builds' records to keep beside them (domain/rendered-record.ts); without it
   * none are kept and records pages read every build whole.
   */
  records?: RecordRenderer;
  /** How long a statement waits for a pooled connection, or for a new one to connect. Default 5 s. */
  connectTimeoutMs?: number;
  /** Told the migrations this start applied, when there were any (an upgrade, a new database). */
  onMigrated?: (migrations: string[]) => void;
}

/**
 * The SQL store on PostgreSQL. Its readiness (/readyz) does not hang on the pool: a server whose
 * every pooled connection is in use (a burst of builds) is busy, not broken, and a load balancer
 * that took it out of rotation for that would pile its load on the others. So when the pool has
 * no connection to spare, the database is asked on a connection of the probe's own.
 */
class PostgresStorage extends SqlStorage {
  constructor(
    db: Kysely<Database>,
    notifier: PgNotifier,
    records: RecordRenderer | undefined,
    private readonly client: () => pg.Client,
  ) {
    super(db, 'postgres', notifier, { skipLocked: true, rowListInserts: false, records });
  }

  override async ping(): Promise<void> {
    try {
      await super.ping();
    } catch (error) {
      if (!(error instanceof PoolBusyError)) throw error;
      const probe = this.client();
      try {
        await probe.connect();
        await probe.query('select 1');
      } catch (failed) {
        throw mapPostgresError(failed);
      } finally {
        await probe.end().catch(() => undefined);
      }
    }
  }
}

/** The scale-out store: a pool of connections to one PostgreSQL database shared by every server. */
export async function createPostgresStorage(options: PostgresStorageOptions): Promise<Storage> {
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.poolSize,
    types: numberTypes(),
    connectionTimeoutMillis: options.connectTimeoutMs ?? 5_000,
    idleTimeoutMillis: 30_000,
  });
  pool.on('error', (error) => options.onIdleError?.(error));
  // The pool listens for errors only on idle connections: a connection the server drops while a
  // transaction holds it between statements would emit 'error' to no one and end the process.
  // Heard here, the transaction's next statement fails instead (a 503), and the pool drops it.
  pool.on('connect', (client) => client.on('error', (error) => options.onIdleError?.(error)));
  const db = new Kysely<Database>({
    dialect: withErrorMapping(new PostgresDialect({ pool }), { map: mapPostgresError }),
    ...queryLog(options.onQuery),
  });
  try {
    // Kysely's migrator takes a PostgreSQL advisory lock, so servers starting together migrate once.
    const migrated = await migrate(db, 'postgres');
    if (migrated.length > 0) options.onMigrated?.(migrated);
  } catch (error) {
    await db.destroy();
    throw error;
  }
  const notifier = new PgNotifier(
    pool,
    options.url,
    (error) => options.onIdleError?.(error),
    (downMs) => options.onRecovered?.(downMs),
  );
  const probe = () =>
    new pg.Client({
      connectionString: options.url,
      connectionTimeoutMillis: options.connectTimeoutMs ?? 5_000,
      types: numberTypes(),
    });
  return new PostgresStorage(db, notifier, options.records, probe);
}
