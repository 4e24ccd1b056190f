import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../domain/errors.ts';
import { ERROR_TABLE, HTTP_TITLES } from './error-table.ts';

/**
 * Turns anything thrown into a catalogue error; unknown faults become INTERNAL. `accepts` is the
 * body type the route takes, named by a 415.
 */
export function toAppError(error: unknown, accepts = 'application/json'): AppError {
  if (error instanceof AppError) return error;
  const e = error as Partial<FastifyError> & { statusCode?: number };
  if (e.code === 'FST_ERR_CTP_BODY_TOO_LARGE')
    return new AppError('PAYLOAD_TOO_LARGE', 'the request body is too large');
  if (e.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
    return new AppError('INVALID_BODY', `unsupported Content-Type; send ${accepts}`);
  }
  if (e.statusCode === 429) return new AppError('RATE_LIMITED', 'too many requests; try again later');
  if (
    typeof e.statusCode === 'number' &&
    e.statusCode >= 400 &&
    e.statusCode < 500 &&
    typeof e.message === 'string'
  ) {
    // Fastify's own request errors (bad content length, unparseable URL ...) say what was wrong.
    return new AppError('INVALID_BODY', e.message);
  }
  return new AppError('INTERNAL', 'internal service error', { cause: error });
}

/** The status to answer with: the table's, except Fastify's more precise 4xx (e.g. 415). */
function statusOf(error: AppError, original: unknown): number {
  const s = (original as { statusCode?: number }).statusCode;
  if (error.code === 'INVALID_BODY' && (s === 415 || s === 413)) return s;
  return ERROR_TABLE[error.code].status;
}

/** Route option: how this route shows errors. */
export type ErrorStyle = 'codearts' | 'keystone';

/**
 * The one edge mapper: writes the error body (CodeArts or Keystone style), logs faults with the
 * request id, never shows a stack, SQL or path.
 */
export function sendError(
  error: unknown,
  request: FastifyRequest,
  reply: FastifyReply,
  style: ErrorStyle,
): FastifyReply {
  const appError = toAppError(error, request.routeOptions.config?.consumes);
  const status = statusOf(appError, error);
  if (appError.code === 'INTERNAL') request.log.error({ err: error }, 'unexpected fault');
  else if (appError.code === 'STORE_UNAVAILABLE')
    request.log.warn({ err: appError.cause ?? error }, 'store unavailable');
  if (appError.retryAfterSeconds !== undefined)
    reply.header('retry-after', String(appError.retryAfterSeconds));
  const message = appError.code === 'INTERNAL' ? 'Internal service exception' : appError.message;
  // A download that failed before its first byte: the answer is this error, not the file.
  reply.removeHeader('content-disposition').removeHeader('etag');
  reply.code(status).type('application/json; charset=utf-8');
  if (style === 'keystone') {
    return reply.send({ error: { code: status, message, title: HTTP_TITLES[status] ?? 'Error' } });
  }
  return reply.send({ error_code: ERROR_TABLE[appError.code].errorCode, error_msg: message });
}

/**
 * A body past its route's limit is not read: its 413 names the limit and the size sent. A form
 * (UploadKeystore) names the file cap, as the one for a file just over the cap does. The app's
 * handler and the runner protocol's (which has no form) both answer it.
 */
export function bodyTooLarge(
  error: unknown,
  request: FastifyRequest,
  fileMaxBytes = 0,
): AppError | undefined {
  if ((error as { code?: string }).code !== 'FST_ERR_CTP_BODY_TOO_LARGE') return undefined;
  const sent = Number(request.headers['content-length']);
  const size = Number.isFinite(sent) && sent > 0 ? `${sent} bytes` : 'more';
  if (request.routeOptions.config?.multipart)
    return new AppError(
      'PAYLOAD_TOO_LARGE',
      `a file may have at most ${fileMaxBytes} bytes; the form sent has ${size}`,
    );
  return new AppError(
    'PAYLOAD_TOO_LARGE',
    `the request body may have at most ${request.routeOptions.bodyLimit} bytes; this one has ${size}`,
  );
}
