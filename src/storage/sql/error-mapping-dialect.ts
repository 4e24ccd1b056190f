import type {
  CompiledQuery,
  DatabaseConnection,
  Dialect,
  Driver,
  Kysely,
  QueryResult,
  TransactionSettings,
} from 'kysely';

/** Turns a driver error into a storage error, or returns it unchanged. */
export type ErrorMapper = (error: unknown) => unknown;

/** How an adapter's driver errors become storage errors. */
export interface ErrorMapping {
  map: ErrorMapper;
  /**
   * A rollback that fails because the database already rolled the transaction back itself
   * (SQLite does on a full disk or an I/O error): ignored, so that the error that caused the
   * rollback is the one reported.
   */
  alreadyRolledBack?: (error: unknown) => boolean;
}

class MappingConnection implements DatabaseConnection {
  constructor(
    private readonly inner: DatabaseConnection,
    private readonly map: ErrorMapper,
  ) {}

  async executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    try {
      return await this.inner.executeQuery<R>(query);
    } catch (error) {
      throw this.map(error);
    }
  }

  async *streamQuery<R>(query: CompiledQuery, chunkSize?: number): AsyncIterableIterator<QueryResult<R>> {
    try {
      yield* this.inner.streamQuery<R>(query, chunkSize);
    } catch (error) {
      throw this.map(error);
    }
  }
}

class MappingDriver implements Driver {
  private readonly wrapped = new WeakMap<DatabaseConnection, MappingConnection>();
  private readonly map: ErrorMapper;

  constructor(
    private readonly inner: Driver,
    private readonly mapping: ErrorMapping,
  ) {
    this.map = mapping.map;
  }

  private async guard<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (error) {
      throw this.map(error);
    }
  }
  private unwrap(c: DatabaseConnection): DatabaseConnection {
    return c instanceof MappingConnection ? (c as unknown as { inner: DatabaseConnection }).inner : c;
  }

  init(): Promise<void> {
    return this.guard(() => this.inner.init());
  }
  async acquireConnection(): Promise<DatabaseConnection> {
    const c = await this.guard(() => this.inner.acquireConnection());
    let w = this.wrapped.get(c);
    if (!w) {
      w = new MappingConnection(c, this.map);
      this.wrapped.set(c, w);
    }
    return w;
  }
  beginTransaction(c: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    return this.guard(() => this.inner.beginTransaction(this.unwrap(c), settings));
  }
  commitTransaction(c: DatabaseConnection): Promise<void> {
    return this.guard(() => this.inner.commitTransaction(this.unwrap(c)));
  }
  async rollbackTransaction(c: DatabaseConnection): Promise<void> {
    try {
      await this.inner.rollbackTransaction(this.unwrap(c));
    } catch (error) {
      if (this.mapping.alreadyRolledBack?.(error)) return;
      throw this.map(error);
    }
  }
  releaseConnection(c: DatabaseConnection): Promise<void> {
    return this.inner.releaseConnection(this.unwrap(c));
  }
  destroy(): Promise<void> {
    return this.inner.destroy();
  }
}

/**
 * Wraps a Kysely dialect so that every driver error passes through `map` at one place: the
 * adapters turn unique violations and lost connections into storage errors here, and no other
 * code looks at SQLite or PostgreSQL error codes.
 */
export function withErrorMapping(dialect: Dialect, mapping: ErrorMapping): Dialect {
  return {
    createAdapter: () => dialect.createAdapter(),
    createDriver: () => new MappingDriver(dialect.createDriver(), mapping),
    createIntrospector: (db: Kysely<unknown>) => dialect.createIntrospector(db),
    createQueryCompiler: () => dialect.createQueryCompiler(),
  };
}
