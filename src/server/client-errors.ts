import { randomUUID } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import type { AppErrorCode } from '../domain/errors.ts';
import { ERROR_TABLE } from './error-table.ts';

/**
 * Answers what Node's HTTP parser refuses before Fastify sees a request (Fastify's
 * `clientErrorHandler`): URL and headers past the parser's 16 KB, or bytes that are not HTTP. In
 * the CodeArts error body with an `X-Request-Id`, as every other error, then the connection ends.
 * A reset connection or a slow client's timeout has nobody to answer.
 */
export function answerClientError(error: Error & { code?: string }, socket: Duplex): void {
  if (error.code === 'ECONNRESET' || error.code === 'ERR_HTTP_REQUEST_TIMEOUT' || socket.destroyed) {
    socket.destroy();
    return;
  }
  const [code, message]: [AppErrorCode, string] =
    error.code === 'HPE_HEADER_OVERFLOW'
      ? ['HEADERS_TOO_LARGE', 'the request line and headers are larger than 16 KB (a very long URL?)']
      : ['INVALID_PARAM', 'the request is not valid HTTP'];
  const { status, errorCode } = ERROR_TABLE[code];
  const body = JSON.stringify({ error_code: errorCode, error_msg: message });
  if (socket.writable)
    socket.write(
      [
        `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}`,
        'content-type: application/json; charset=utf-8',
        `content-length: ${Buffer.byteLength(body)}`,
        `x-request-id: ${randomUUID().replace(/-/g, '')}`,
        'x-content-type-options: nosniff',
        'connection: close',
        '',
        body,
      ].join('\r\n'),
    );
  // As Node does after its own answer: the rest of the request is not read.
  socket.destroy();
}
