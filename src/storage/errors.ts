/**
 * Errors the storage ports throw beyond the domain's AppError. Adapters translate driver errors into
 * these at one place (their dialect wrapper), so callers never look at SQLite or PostgreSQL codes.
 */

/** A unique constraint refused a write (a name taken, a build number already present). */
export class UniqueViolationError extends Error {
  constructor(
    readonly constraint: string,
    options?: { cause?: unknown },
  ) {
    super(`unique constraint violated: ${constraint}`, options);
    this.name = 'UniqueViolationError';
  }
}

/** True when `error` is a unique-constraint failure. */
export function isUniqueViolation(error: unknown): error is UniqueViolationError {
  return error instanceof UniqueViolationError;
}

/**
 * A foreign key refused a write: an insert naming a row that is not there (racing the delete of
 * its parent on another connection: rights given to a file being deleted), or a delete of a row
 * that others still name. A service that expects the race catches it (isForeignKeyViolation) and
 * answers its own 404 naming what is gone; anywhere else it is a bug, a logged 500, never a
 * silent 404.
 */
export class ForeignKeyViolationError extends Error {
  constructor(options?: { cause?: unknown }) {
    super('a foreign key refused the write', options);
    this.name = 'ForeignKeyViolationError';
  }
}

/** True when `error` is a write refused by a foreign key (the row it names is gone). */
export function isForeignKeyViolation(error: unknown): error is ForeignKeyViolationError {
  return error instanceof ForeignKeyViolationError;
}

/**
 * The database gave up a transaction because of another one (a deadlock, or a serialization
 * failure): the same transaction run again can succeed. Storage.transaction retries it.
 */
export class TransactionConflictError extends Error {
  constructor(options?: { cause?: unknown }) {
    super('the transaction collided with another and was rolled back', options);
    this.name = 'TransactionConflictError';
  }
}

/** True when `error` is a transaction another one made the database give up. */
export function isTransactionConflict(error: unknown): error is TransactionConflictError {
  return error instanceof TransactionConflictError;
}

/** An artifact upload went past the largest artifact the server keeps. */
export class ArtifactTooLargeError extends Error {
  constructor(readonly limit: number) {
    super(`an artifact is at most ${limit} bytes`);
    this.name = 'ArtifactTooLargeError';
  }
}
