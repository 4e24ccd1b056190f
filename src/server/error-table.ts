import type { AppErrorCode } from '../domain/errors.ts';
import { LOG_CAPPED_CODE, NO_OPERATION_CODE } from '../protocol/runner-http.ts';

/** How one catalogue code is answered on the wire. */
export interface WireError {
  status: number;
  errorCode: string;
  /** What the code means, for docs/errors.md. */
  meaning: string;
}

/**
 * The one table that turns catalogue codes into HTTP statuses and CodeArts error codes. The
 * `CB.*` codes are the documented CodeArts ones where one fits; `CB.00060403`, `CB.00060404`,
 * `CB.00060409`, `CB.00060410`, `CB.00060413`, `CB.00060416` and `CB.00060431` are Kiln's (the documented list has none for
 * those statuses), and so is `CB.00060215` (a log past its cap: a 413 the runner must tell from a
 * body too large). docs/errors.md lists every row; a test keeps them in step.
 */
export const ERROR_TABLE: Record<AppErrorCode, WireError> = {
  INVALID_PARAM: {
    status: 400,
    errorCode: 'CB.00060200',
    meaning: 'A parameter is missing, malformed or out of range',
  },
  INVALID_JOB_ID: {
    status: 400,
    errorCode: 'CB.00060201',
    meaning: 'job_id is not 32 characters of [0-9a-z]',
  },
  INVALID_BODY: {
    status: 400,
    errorCode: 'CB.00060200',
    meaning: 'The request body is not valid JSON or not of the expected shape',
  },
  UNAUTHENTICATED: {
    status: 401,
    errorCode: 'APIGW.0301',
    meaning:
      'No token, an unknown, expired or revoked token, a domain-scoped token, or a bad AK/SK signature',
  },
  FORBIDDEN: {
    status: 403,
    errorCode: 'CB.00060403',
    meaning:
      "The caller's role does not allow the operation (a project owner changing a domain administrator's membership included)",
  },
  JOB_NOT_FOUND: {
    status: 404,
    errorCode: 'CB.00060201',
    meaning: 'No such job (or it is in the recycle bin), or the caller cannot see its project',
  },
  PROJECT_NOT_FOUND: {
    status: 404,
    errorCode: 'CB.00060404',
    meaning: 'No such project, or the caller is not a member',
  },
  BUILD_NOT_FOUND: {
    status: 404,
    errorCode: 'CB.00060404',
    meaning: 'The job has no build with that number or record id',
  },
  NOT_FOUND: {
    status: 404,
    errorCode: 'CB.00060404',
    meaning:
      'No such user, member, access key, token, runner, build environment (ShowDockerfileTemplate) or kept test report',
  },
  // The runner tells an older server (no such call) by this code (protocol/runner-http.ts).
  ROUTE_NOT_FOUND: { status: 404, errorCode: NO_OPERATION_CODE, meaning: 'Unknown URL or method' },
  CONFLICT: {
    status: 409,
    errorCode: 'CB.00060409',
    meaning:
      'The name is taken (job, user, project, domain, runner; a job restored from the recycle bin), the job has used every build number, or a runner reported what contradicts its started build (another checkout, a requeue)',
  },
  JOB_DISABLED: {
    status: 400,
    errorCode: 'CB.00060200',
    meaning: 'The job is disabled and refuses new runs',
  },
  EMPTY_FILE: {
    status: 400,
    errorCode: 'CB.00060212',
    meaning: 'The uploaded file is empty',
  },
  LOG_RANGE: {
    status: 416,
    errorCode: 'CB.00060416',
    meaning:
      'A runner sent a log chunk or an artifact part that does not continue what the server holds, or a download asked for a range past the end of an artifact',
  },
  LOG_CAPPED: {
    status: 413,
    errorCode: LOG_CAPPED_CODE,
    meaning: "A runner sent a log chunk that would take the build's log past its cap",
  },
  LEASE_LOST: {
    status: 410,
    errorCode: 'CB.00060410',
    meaning: 'A runner reported on a build it no longer holds',
  },
  PAYLOAD_TOO_LARGE: {
    status: 413,
    errorCode: 'CB.00060413',
    meaning: 'The request body is larger than allowed',
  },
  HEADERS_TOO_LARGE: {
    status: 431,
    errorCode: 'CB.00060431',
    meaning: "The request's URL and headers are larger than the server reads (16 KB)",
  },
  RATE_LIMITED: {
    status: 429,
    errorCode: 'CB.00060211',
    meaning:
      'Too many requests, or too many password checks and hashes in progress (sign-ins, password changes, new users); retry after the time given',
  },
  LOGIN_THROTTLED: {
    status: 429,
    errorCode: 'CB.00060211',
    meaning:
      'Too many failed sign-ins (or wrong old passwords of a password change) for the user from this address, or from this address; wait and retry',
  },
  STORE_UNAVAILABLE: {
    status: 503,
    errorCode: 'CB.00060100',
    meaning: 'The database, or the artifact store (S3), cannot be reached; retry later',
  },
  INTERNAL: {
    status: 500,
    errorCode: 'CB.00060101',
    meaning: 'An unexpected fault (logged with the request id)',
  },
};

/** Keystone's titles for the statuses IAM operations answer with. */
export const HTTP_TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  409: 'Conflict',
  410: 'Gone',
  413: 'Request Entity Too Large',
  415: 'Unsupported Media Type',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};
