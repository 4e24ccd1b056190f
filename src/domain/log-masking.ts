import { maskUrlCredentials } from './url-credentials.ts';

/** An error as it is written to the service log. */
export interface LoggedError {
  type: string;
  message: string;
  stack?: string;
  code?: string;
}

/**
 * The `err` serializer of every Kiln logger: the error's type, message, code and stack, with the
 * credentials of any URL in them masked (a failed clone or connection names its URL). Nothing else
 * of the error object is written, so a field that holds a token or a plan never reaches the log.
 */
export function maskedError(error: unknown): LoggedError | unknown {
  if (!(error instanceof Error)) return typeof error === 'string' ? maskUrlCredentials(error) : error;
  const code = (error as { code?: unknown }).code;
  return {
    type: error.name,
    message: maskUrlCredentials(error.message),
    ...(error.stack !== undefined && { stack: maskUrlCredentials(error.stack) }),
    ...(typeof code === 'string' && { code }),
  };
}
