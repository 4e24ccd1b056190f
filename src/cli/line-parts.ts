/** One part of a line-cut stream, sent as one request body. */
export interface LinePart {
  /** 1-based number of the part's first line in the whole input. */
  firstLine: number;
  /** The part's bytes, ending at a line end (or at the end of the input). */
  body: ReadableStream<Uint8Array>;
}

const NL = 10;

function toBuffer(piece: Uint8Array | string): Buffer {
  return typeof piece === 'string'
    ? Buffer.from(piece)
    : Buffer.from(piece.buffer, piece.byteOffset, piece.byteLength);
}

/** Index just past the `n`th line end of `buf`, or the number of line ends when there are fewer. */
function cutAfterLines(buf: Buffer, n: number): { end: number; lines: number } {
  let lines = 0;
  for (let at = buf.indexOf(NL); at >= 0; at = buf.indexOf(NL, at + 1)) {
    if (++lines === n) return { end: at + 1, lines };
  }
  return { end: buf.length, lines };
}

/**
 * Cuts a byte stream into parts of at most `linesPerPart` lines. Each part is itself a stream
 * that pulls from the source as the request sends it, so memory holds one chunk of the input,
 * never a part and never the file. Parts must be read one after the other, each to its end.
 */
export class LineParts {
  private readonly source: AsyncIterator<Uint8Array | string>;
  private carry: Buffer = Buffer.alloc(0);
  private ended = false;
  private lastByte = NL;
  /** Lines handed out so far (blank ones too: the server numbers them). */
  lines = 0;
  /** Bytes handed out so far. */
  bytes = 0;
  /** Why reading the input failed (a request fails then too, with a less helpful message). */
  readError: Error | undefined;

  constructor(
    stream: AsyncIterable<Uint8Array | string>,
    readonly linesPerPart: number,
  ) {
    this.source = stream[Symbol.asyncIterator]();
  }

  /** Whether the input has bytes left (reads ahead one chunk to know). */
  async hasMore(): Promise<boolean> {
    while (this.carry.length === 0 && !this.ended) await this.fill();
    return this.carry.length > 0;
  }

  /** Stops reading the source (after a failure: the rest will not be sent). */
  async close(): Promise<void> {
    this.ended = true;
    await this.source.return?.();
  }

  /** The next part; read it to its end before asking for the next one. */
  next(): LinePart {
    const firstLine = this.lines + 1;
    let inPart = 0;
    const body = new ReadableStream<Uint8Array>({
      pull: async (controller) => {
        if (!(await this.hasMore())) {
          // A last line without a line end still counts as a line.
          if (this.lastByte !== NL) this.lines++;
          this.lastByte = NL;
          controller.close();
          return;
        }
        const { end, lines } = cutAfterLines(this.carry, this.linesPerPart - inPart);
        const piece = this.carry.subarray(0, end);
        this.carry = this.carry.subarray(end);
        inPart += lines;
        this.lines += lines;
        this.bytes += piece.length;
        this.lastByte = piece[piece.length - 1] ?? NL;
        controller.enqueue(piece);
        if (inPart >= this.linesPerPart) controller.close();
      },
    });
    return { firstLine, body };
  }

  private async fill(): Promise<void> {
    try {
      const next = await this.source.next();
      if (next.done) this.ended = true;
      else this.carry = toBuffer(next.value);
    } catch (error) {
      this.readError = error as Error;
      throw error;
    }
  }
}
