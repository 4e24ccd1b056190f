import { retry } from '../domain/retry.ts';
import { LeaseLostError, LogCapError, LogGapError, type RunnerPeer } from '../protocol/runner-protocol.ts';

/** Streaming settings. */
export interface LogStreamerOptions {
  /** Bytes kept; past this the log gets one line saying so and the rest is dropped. */
  maxBytes: number;
  /** How long output may wait before it is sent. */
  flushMs?: number;
  /** Largest chunk sent at once. */
  chunkBytes?: number;
  /**
   * Called when sending stops for good (the server's cap, a refusal); transient failures are
   * retried without a word (the runner's peer logs each outage once).
   */
  onError?: (error: unknown) => void;
  /** Where the log starts: what the server has of it already (lines of a runner before this one). */
  startOffset?: number;
}

const NEWLINE = 0x0a;
/**
 * Room past the cap for Kiln's own lines (each step's end, the build's outcome); the server takes
 * 4096 bytes past it (dispatch-service CAP_SLACK), the cut's notice included.
 */
const OWN_LINES_BYTES = 3_000;

/**
 * Where a chunk of at most `max` bytes of `data` ends: before the character that `max` would cut
 * (the output is valid UTF-8, build-output.ts), so a log whose runner is lost between two chunks
 * ends with whole characters and the lines the server adds after it leave it valid UTF-8. A chunk
 * smaller than one character is cut anyway.
 */
function chunkEnd(data: Buffer, max: number): number {
  if (data.length <= max) return data.length;
  let end = max;
  while (end > 0 && end > max - 3 && ((data[end] as number) & 0xc0) === 0x80) end--;
  return end > 0 ? end : max;
}

/** Waits between attempts to send a chunk while the server cannot be reached. */
const LOG_BACKOFF = { firstMs: 100, maxMs: 5_000 } as const;

/**
 * Sends a build's output to the server as ordered chunks `{offset, bytes}`, one at a time, each
 * acknowledged before the next. Unacknowledged bytes stay here: when the server cannot be reached
 * the streamer retries transient failures with backoff (domain/retry.ts) and resumes where the
 * server's log ends, so no line is lost or doubled. It stops sending for good when the build is no
 * longer this runner's, when the server says the log is at its cap, or on any other answer that
 * asking again would repeat (a refused token).
 */
export class LogStreamer {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  /** Bytes the server has acknowledged. */
  private acked = 0;
  /** Bytes accepted locally (acknowledged or pending): the log offset "now". */
  private written = 0;
  private truncated = false;
  private droppedBytes = 0;
  /** Whether the last bytes written end a line. */
  private lastEndsLine = true;
  private lost = false;
  /** Sending stopped for a reason other than a lost lease (the server's cap, a refusal). */
  private stopped = false;
  private capped = false;
  private sending: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  /** Ends a resend's waits at once (`abandon`). */
  private readonly given = new AbortController();
  private readonly flushMs: number;
  private readonly chunkBytes: number;

  constructor(
    private readonly peer: RunnerPeer,
    private readonly recordId: string,
    private readonly options: LogStreamerOptions,
  ) {
    this.flushMs = options.flushMs ?? 100;
    this.chunkBytes = options.chunkBytes ?? 256 * 1024;
    this.acked = this.written = options.startOffset ?? 0;
  }

  /** The log's size once everything written so far is sent. */
  get offset(): number {
    return this.written;
  }

  /**
   * Queues output; sends it within `flushMs`. Output that would pass `maxBytes` is cut at the last
   * line end that fits, with a line saying so; what comes after is counted (`dropped`), not kept.
   */
  write(data: Buffer): void {
    if (data.length === 0 || this.lost || this.stopped) return;
    if (this.truncated) {
      this.droppedBytes += data.length;
      return;
    }
    const room = this.options.maxBytes - this.written;
    if (data.length > room) {
      const fits = data.subarray(0, Math.max(0, room));
      const kept = fits.subarray(0, fits.lastIndexOf(NEWLINE) + 1);
      this.push(kept);
      this.droppedBytes += data.length - kept.length;
      const notice = `${this.lastEndsLine ? '' : '\n'}[kiln] the log reached ${this.options.maxBytes} bytes (KILN_LOG_MAX_BYTES); further output is not kept, the build goes on\n`;
      this.push(Buffer.from(notice));
      this.truncated = true;
    } else {
      this.push(data);
    }
    this.schedule();
  }

  /**
   * Queues one of Kiln's own lines (a step's end, the build's outcome): past the cap too, within
   * OWN_LINES_BYTES of room the server keeps beyond it, so a cut log still says how the build ended.
   */
  writeOwn(data: Buffer): void {
    if (!this.truncated) return this.write(data);
    if (data.length === 0 || this.lost || this.stopped) return;
    if (this.written + data.length > this.options.maxBytes + OWN_LINES_BYTES) {
      this.droppedBytes += data.length;
      return;
    }
    this.push(data);
    this.schedule();
  }

  /** Whether the bytes queued so far end a line (or there are none). */
  get endsLine(): boolean {
    return this.lastEndsLine;
  }

  /** Bytes of output not kept because the log reached its cap. */
  get dropped(): number {
    return this.droppedBytes;
  }

  private schedule(): void {
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      void this.flush();
    }, this.flushMs);
  }

  private push(data: Buffer): void {
    if (data.length === 0) return;
    this.lastEndsLine = data[data.length - 1] === NEWLINE;
    this.pending.push(data);
    this.pendingBytes += data.length;
    this.written += data.length;
  }

  /** Sends everything written so far; resolves when the server has it (or the build is lost). */
  async flush(): Promise<void> {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    while (this.sending) await this.sending;
    if (this.pendingBytes === 0 || this.lost || this.stopped) return;
    this.sending = this.sendAll().finally(() => {
      this.sending = undefined;
    });
    await this.sending;
  }

  private async sendAll(): Promise<void> {
    while (this.pendingBytes > 0 && !this.lost && !this.stopped) {
      // Output written while this chunk is on its way is appended to `pending` behind these.
      const taken = this.pending.length;
      const all = taken === 1 ? (this.pending[0] as Buffer) : Buffer.concat(this.pending);
      const data = all.subarray(0, chunkEnd(all, this.chunkBytes));
      try {
        const size = await retry(() => this.peer.log(this.recordId, { offset: this.acked, data }), {
          backoff: LOG_BACKOFF,
          signal: this.given.signal,
        });
        this.dropAcked(all, taken, Math.min(all.length, Math.max(size - this.acked, data.length)));
      } catch (error) {
        if (error instanceof LeaseLostError) {
          this.lost = true;
          return;
        }
        if (this.given.signal.aborted) return;
        if (error instanceof LogGapError && error.expectedOffset > this.acked) {
          // The server stored more than was acknowledged (an answer got lost): skip what it has.
          this.dropAcked(all, taken, Math.min(error.expectedOffset - this.acked, all.length));
          continue;
        }
        // The log is at the server's cap, or the server refuses what asking again would repeat.
        this.options.onError?.(error);
        this.stopped = true;
        this.pending = [];
        this.pendingBytes = 0;
        this.capped = error instanceof LogCapError;
        return;
      }
    }
  }

  /**
   * Stops sending for good, at once (a resend waiting out an outage too): what is not sent yet is
   * dropped. For a build the server has taken back, or will once its lease runs out: it would
   * refuse the rest, and a server that is gone would keep a flush waiting for ever.
   */
  abandon(): void {
    this.stopped = true;
    this.pending = [];
    this.pendingBytes = 0;
    this.given.abort();
  }

  /** Drops the first `n` bytes of `all` (the first `taken` pending pieces), keeping what came after. */
  private dropAcked(all: Buffer, taken: number, n: number): void {
    this.acked += n;
    const rest = all.subarray(n);
    const later = this.pending.slice(taken);
    this.pending = rest.length > 0 ? [rest, ...later] : later;
    this.pendingBytes = rest.length + later.reduce((sum, piece) => sum + piece.length, 0);
  }

  /** True once the server said the log is at its cap (what was written after is dropped). */
  get atServerCap(): boolean {
    return this.capped;
  }

  /** True once the server said the build is no longer this runner's. */
  get leaseLost(): boolean {
    return this.lost;
  }
}
