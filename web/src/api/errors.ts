import { ApiError } from '../../../src/client/api-error.ts';

/**
 * Turning the server's errors into words next to the right field. A 400 lists its problems as
 * `field: message; field: message` (semantic checks, e.g. `steps[1].properties.command: ...`) or
 * `body field 'x' message` (schema checks); both name fields by their path in the request body.
 */

/** Problems by field path, plus those that name no field. */
export interface FieldErrors {
  fields: Record<string, string>;
  general: string[];
}

const SEMANTIC = /^([A-Za-z_][\w]*(?:\[\d+\])?(?:\.[A-Za-z_][\w]*(?:\[\d+\])?)*): (.+)$/s;
const SCHEMA = /^(?:body|query|path|header) field '([^']+)' (.+)$/s;

/** Splits a 400's message into per-field problems. */
export function fieldErrorsOf(error: unknown): FieldErrors {
  const out: FieldErrors = { fields: {}, general: [] };
  if (!(error instanceof ApiError) || error.status !== 400) {
    out.general.push(describeError(error));
    return out;
  }
  for (const part of error.message.split(/; (?=[A-Za-z_][\w.[\]]*: |body field )/)) {
    const m = SCHEMA.exec(part) ?? SEMANTIC.exec(part);
    if (m && m[1] && m[2]) {
      const field = m[1];
      out.fields[field] = out.fields[field] ? `${out.fields[field]}; ${m[2]}` : m[2];
    } else out.general.push(part);
  }
  return out;
}

/** A sentence for any error, for a message on the page. */
export function describeError(error: unknown): string {
  if (error instanceof ApiError) {
    // A redirect not followed comes back with status 0 in a browser: a sign-in proxy's, most often.
    if (error.code === 'REDIRECT')
      return 'The server answered with a redirect (a sign-in proxy in front of Kiln?). Reload the page.';
    if (error.status === 0) return 'The server cannot be reached. Check your connection and try again.';
    if (error.status === 403) return `You are not allowed to do that (${error.message}).`;
    if (error.status === 429) return 'The server is busy (too many requests). Try again in a moment.';
    if (error.status >= 500)
      return `The server failed (${error.code})${error.requestId ? `; request id ${error.requestId}` : ''}.`;
    return error.message || `${error.code} (HTTP ${error.status})`;
  }
  return error instanceof Error ? error.message : String(error);
}

/** True for a 404: what was asked for is not there (deleted, or never was), and asking again will not change that. */
export function isNotFound(error: unknown): boolean {
  // A job id that is no job's at all (a mistyped link) is a 400 with the not-found job's code.
  return (
    error instanceof ApiError &&
    (error.status === 404 || (error.status === 400 && error.code === 'CB.00060201'))
  );
}

/** True for a 401 (the session no longer works). */
export function isUnauthorized(error: unknown): boolean {
  return error instanceof ApiError && error.status === 401;
}
