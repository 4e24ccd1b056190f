import { AppError } from '../domain/errors.ts';

/**
 * The lines of a byte stream, as text without their line ends, read as the stream arrives (never
 * the whole stream in memory). A line longer than `maxBytes` stops the read with a 400: no record
 * is that long, and an endless line must not fill the server's memory.
 */
export async function* readLines(
  stream: AsyncIterable<Uint8Array | string>,
  maxBytes: number,
): AsyncGenerator<string> {
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let lineNo = 1;
  for await (const piece of stream) {
    let chunk =
      typeof piece === 'string'
        ? Buffer.from(piece)
        : Buffer.from(piece.buffer, piece.byteOffset, piece.byteLength);
    let nl = chunk.indexOf(10);
    while (nl >= 0) {
      pending.push(chunk.subarray(0, nl));
      yield Buffer.concat(pending).toString('utf8').replace(/\r$/, '');
      lineNo++;
      pending = [];
      pendingBytes = 0;
      chunk = chunk.subarray(nl + 1);
      nl = chunk.indexOf(10);
    }
    if (chunk.length > 0) {
      pendingBytes += chunk.length;
      if (pendingBytes > maxBytes)
        throw new AppError('INVALID_BODY', `line ${lineNo} is longer than ${maxBytes} bytes`);
      pending.push(Buffer.from(chunk));
    }
  }
  if (pendingBytes > 0) yield Buffer.concat(pending).toString('utf8').replace(/\r$/, '');
}
