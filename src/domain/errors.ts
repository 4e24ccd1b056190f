/**
 * The error catalogue: every failure a caller can see has one of these codes. The server maps each
 * code to an HTTP status and a CodeArts `error_code` in one table (server/error-table.ts); docs/errors.md
 * lists them all and a test keeps the two in step.
 */
export const APP_ERROR_CODES = [
  'INVALID_PARAM',
  'INVALID_JOB_ID',
  'INVALID_BODY',
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'JOB_NOT_FOUND',
  'PROJECT_NOT_FOUND',
  'BUILD_NOT_FOUND',
  'NOT_FOUND',
  'ROUTE_NOT_FOUND',
  'CONFLICT',
  'JOB_DISABLED',
  'EMPTY_FILE',
  'LOG_RANGE',
  'LOG_CAPPED',
  'LEASE_LOST',
  'PAYLOAD_TOO_LARGE',
  'HEADERS_TOO_LARGE',
  'RATE_LIMITED',
  'LOGIN_THROTTLED',
  'STORE_UNAVAILABLE',
  'INTERNAL',
] as const;

/** One of the catalogue's codes. */
export type AppErrorCode = (typeof APP_ERROR_CODES)[number];

/** Extra facts an error can carry to the edge (never secrets). */
export interface AppErrorOptions {
  cause?: unknown;
  /** Seconds the caller should wait before retrying (429, throttled logins). */
  retryAfterSeconds?: number;
}

/** An expected failure with a code from the catalogue and a message the caller can act on. */
export class AppError extends Error {
  readonly code: AppErrorCode;
  readonly retryAfterSeconds: number | undefined;

  constructor(code: AppErrorCode, message: string, options: AppErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AppError';
    this.code = code;
    this.retryAfterSeconds = options.retryAfterSeconds;
  }
}

/** Shorthand for the most common failure: a bad parameter, named in the message. */
export function invalidParam(message: string): AppError {
  return new AppError('INVALID_PARAM', message);
}
