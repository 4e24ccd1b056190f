import { randomUUID } from 'node:crypto';
import { maxHeaderSize, STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyInstance } from 'fastify';
import type { AppErrorCode } from '../domain/errors.ts';
import { ERROR_TABLE } from './error-table.ts';

/**
 * Answers what Node's HTTP parser refuses before Fastify sees a request (Fastify's
 * `clientErrorHandler`): a URL and headers past `maxHeaderSize`, or bytes that are not HTTP. In the
 * CodeArts error body with an `X-Request-Id` (logged), as every other error, then the connection
 * ends; a slow client's timeout gets Node's bare 408. Nothing is written over an answer already
 * under way on the connection, nor to a reset one.
 */
export function answerClientError(
  this: FastifyInstance,
  error: Error & { code?: string },
  socket: Socket,
): void {
  const inFlight = (socket as Socket & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
  if (error.code === 'ECONNRESET' || socket.destroyed || !socket.writable || inFlight?.headersSent) {
    socket.destroy();
    return;
  }
  if (error.code === 'ERR_HTTP_REQUEST_TIMEOUT') {
    socket.end('HTTP/1.1 408 Request Timeout\r\nconnection: close\r\n\r\n');
    return;
  }
  const [code, message]: [AppErrorCode, string] =
    error.code === 'HPE_HEADER_OVERFLOW'
      ? [
          'HEADERS_TOO_LARGE',
          `the request line and headers are larger than ${maxHeaderSize / 1024} KB (a very long URL?)`,
        ]
      : ['INVALID_PARAM', 'the request is not valid HTTP'];
  const { status, errorCode } = ERROR_TABLE[code];
  const requestId = randomUUID().replace(/-/g, '');
  this.log.info({ requestId, status, parserError: error.code }, 'request refused by the HTTP parser');
  const body = JSON.stringify({ error_code: errorCode, error_msg: message });
  // Read (and drop) what the client still sends, so that closing does not reset the connection
  // before the answer is read; a client that never stops is cut after a while.
  socket.resume();
  socket.end(
    [
      `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}`,
      'content-type: application/json; charset=utf-8',
      `content-length: ${Buffer.byteLength(body)}`,
      `x-request-id: ${requestId}`,
      'x-content-type-options: nosniff',
      'connection: close',
      '',
      body,
    ].join('\r\n'),
  );
  setTimeout(() => socket.destroy(), 5_000).unref();
}
