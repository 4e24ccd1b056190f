/** A line longer than the limit; `line` is its number counted from 1 in the stream. */
export class LineTooLongError extends Error {
  constructor(
    readonly line: number,
    readonly maxBytes: number,
  ) {
    super(`line ${line} is longer than ${maxBytes} bytes`);
    this.name = 'LineTooLongError';
  }
}

/**
 * The lines of a byte stream, as text without their line ends, read as the stream arrives (never
 * the whole stream in memory). A line longer than `maxBytes` throws LineTooLongError: no record is
 * that long, and an endless line must not fill the server's memory.
 */
export async function* readLines(
  stream: AsyncIterable<Uint8Array | string>,
  maxBytes: number,
): AsyncGenerator<string> {
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let lineNo = 1;
  // Most lines lie within one chunk: decoded from it directly, not copied into a new buffer first.
  const text = () => {
    const whole = pending.length === 1 ? pending[0]! : Buffer.concat(pending);
    const end = whole.length > 0 && whole[whole.length - 1] === 13 ? whole.length - 1 : whole.length;
    return whole.toString('utf8', 0, end);
  };
  const take = (piece: Buffer) => {
    pendingBytes += piece.length;
    if (pendingBytes > maxBytes) throw new LineTooLongError(lineNo, maxBytes);
    pending.push(piece);
  };
  for await (const piece of stream) {
    let chunk =
      typeof piece === 'string'
        ? Buffer.from(piece)
        : Buffer.from(piece.buffer, piece.byteOffset, piece.byteLength);
    let nl = chunk.indexOf(10);
    while (nl >= 0) {
      take(chunk.subarray(0, nl));
      yield text();
      lineNo++;
      pending = [];
      pendingBytes = 0;
      chunk = chunk.subarray(nl + 1);
      nl = chunk.indexOf(10);
    }
    if (chunk.length > 0) take(Buffer.from(chunk));
  }
  if (pendingBytes > 0) yield text();
}
