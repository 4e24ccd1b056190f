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

/** An artifact upload went past the largest artifact the server keeps. */
export class ArtifactTooLargeError extends Error {
  constructor(readonly limit: number) {
    super(`an artifact is at most ${limit} bytes`);
    this.name = 'ArtifactTooLargeError';
  }
}
