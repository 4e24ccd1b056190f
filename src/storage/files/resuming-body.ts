import { Readable } from 'node:stream';

/**
 * The bytes of an object read over the network, as one stream that rides out `resumes` failures of
 * the body: the SDK retries a request only until its answer's headers arrive, so a connection
 * reset in the middle of a body would end a download short (the CLI resumes with Range, browsers
 * and other clients do not). When the body fails after `sent` of its `length` bytes,
 * `reopen(sent)` asks for the rest, and its bytes continue the same stream; a failure past
 * `resumes`, or one of `reopen`, fails the stream with its error. A body that ends short of
 * `length` without an error is a failure too, never a whole download.
 */
export function resumingBody(
  first: Readable,
  length: number,
  reopen: (sent: number) => Promise<Readable>,
  resumes: number,
): Readable {
  return new ResumingBody(first, length, reopen, resumes);
}

class ResumingBody extends Readable {
  /** The body being relayed; undefined while the rest is asked for. */
  private body: Readable | undefined;
  private sent = 0;

  constructor(
    first: Readable,
    private readonly length: number,
    private readonly reopen: (sent: number) => Promise<Readable>,
    private resumes: number,
  ) {
    super();
    this.attach(first);
  }

  private attach(body: Readable): void {
    this.body = body;
    body.on('data', (chunk: Buffer) => {
      if (this.body !== body) return;
      this.sent += chunk.length;
      if (!this.push(chunk)) body.pause();
    });
    body.once('end', () => {
      if (this.sent >= this.length) this.finish(body);
      else
        this.failed(
          body,
          new Error(`the object store ended the body after ${this.sent} of ${this.length} bytes`),
        );
    });
    body.once('error', (error) => this.failed(body, error));
  }

  private finish(body: Readable): void {
    if (this.body !== body) return;
    this.body = undefined;
    this.push(null);
  }

  private failed(body: Readable, error: Error): void {
    if (this.body !== body || this.destroyed) return;
    // Every byte came: the failure (a reset after the last one) cost nothing.
    if (this.sent >= this.length) return this.finish(body);
    this.body = undefined;
    body.destroy();
    if (this.resumes <= 0) return void this.destroy(error);
    this.resumes--;
    this.reopen(this.sent).then(
      (next) => {
        // The reader went away while the rest was asked for.
        if (this.destroyed) return void next.destroy();
        this.attach(next);
      },
      (cause: unknown) => this.destroy(cause instanceof Error ? cause : new Error(String(cause))),
    );
  }

  override _read(): void {
    this.body?.resume();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.body?.destroy();
    this.body = undefined;
    callback(error);
  }
}
