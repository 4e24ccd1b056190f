/**
 * Splits a sandbox's output stream into each command's output and its end. The sandbox's
 * supervisor writes `<marker> <exit code>\n` to the same pipe once a command and everything it
 * started have ended, so the marker arrives after the last byte of the command's output. The
 * marker is random per sandbox and never an argument, and it is the runner's only word that a step
 * ended: a build that found it out could print it and keep running while the runner goes on to
 * work on the workspace as root. So the supervisor that holds it is not dumpable: a step, though
 * of the same user, cannot read its memory or descriptors nor trace it (bwrap-sandbox.ts).
 */
export class CommandMarker {
  private readonly marker: Buffer;
  /** Bytes that may be the start of the marker, or the marker and a partial exit code. */
  private held: Buffer = Buffer.alloc(0);

  constructor(marker: string) {
    this.marker = Buffer.from(marker, 'latin1');
  }

  /**
   * Takes the next bytes of the stream: returns the command's output that is safe to pass on,
   * and the exit code once the marker's line is complete.
   */
  push(data: Buffer): { output: Buffer; exitCode?: number } {
    const buffer = this.held.length > 0 ? Buffer.concat([this.held, data]) : data;
    const at = buffer.indexOf(this.marker);
    if (at >= 0) {
      const end = buffer.indexOf(0x0a, at + this.marker.length);
      if (end < 0) {
        this.held = Buffer.from(buffer.subarray(at));
        return { output: buffer.subarray(0, at) };
      }
      const code = Number(
        buffer
          .subarray(at + this.marker.length, end)
          .toString('latin1')
          .trim(),
      );
      // Nothing follows the marker: the supervisor starts the next command only when asked.
      this.held = Buffer.alloc(0);
      return { output: buffer.subarray(0, at), exitCode: Number.isInteger(code) ? code : 255 };
    }
    const keep = this.partialTail(buffer);
    this.held = Buffer.from(buffer.subarray(buffer.length - keep));
    return { output: buffer.subarray(0, buffer.length - keep) };
  }

  /** Whatever is held back (the stream ended without a marker). */
  end(): Buffer {
    const rest = this.held;
    this.held = Buffer.alloc(0);
    return rest;
  }

  /** Length of the longest end of `buffer` that is a start of the marker. */
  private partialTail(buffer: Buffer): number {
    for (let n = Math.min(this.marker.length - 1, buffer.length); n > 0; n--) {
      if (buffer.subarray(buffer.length - n).equals(this.marker.subarray(0, n))) return n;
    }
    return 0;
  }
}
