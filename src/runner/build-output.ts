import { CONTROL_CHARS } from '../domain/control-chars.ts';
import type { LogStreamer } from './log-streamer.ts';
import type { SecretMasker } from './secret-masker.ts';
import { Utf8Sanitizer } from './utf8-sanitizer.ts';

/**
 * What a build writes to its log: the output of its processes, and Kiln's own `[kiln]` lines, both
 * through the masker of its sensitive values. The processes' output is made valid UTF-8 first
 * (utf8-sanitizer.ts), so the log is stored as the text every reader decodes, byte for byte, and
 * offsets counted in that text are offsets in the store. The sanitiser comes before the masker so
 * that the masker looks at the very bytes that are stored and shown: a value that holds U+FFFD
 * (valid text) is found where invalid bytes became it, which masking the raw bytes would miss. It
 * loses no occurrence either: a value is valid UTF-8, so it starts with a byte that ends any
 * unfinished character before it and decodes unchanged. The masker's output stays valid: it
 * replaces whole values (whole characters) and URL userinfo (cut at ASCII bytes) with ASCII.
 */
export class BuildOutput {
  private readonly sanitizer = new Utf8Sanitizer();

  constructor(
    private readonly streamer: LogStreamer,
    private readonly masker: SecretMasker,
  ) {}

  /** The build's processes' output, as it comes. */
  readonly write = (data: Buffer): void => this.streamer.write(this.masker.push(this.sanitizer.push(data)));

  /**
   * One of Kiln's own lines. Kept past the log's cap (within a little room), so a cut log still
   * ends with how its steps and the build ended. Each is a line of its own: the output before it is
   * let out of the masker (a Kiln line ends it), and when it did not end its last line (a progress
   * bar, a last line without its newline), a newline comes first. A control character in the text
   * (a line break a parameter's value brought into an image, a branch, a path Kiln names) becomes a
   * space, as in step names: no value can start a forged `[kiln]` line. The masker knows sensitive
   * values in that one-line form too (planSecrets).
   */
  readonly line = (text: string): void => {
    this.end();
    const start = this.streamer.endsLine ? '' : '\n';
    this.streamer.writeOwn(
      this.masker.push(Buffer.from(`${start}[kiln] ${text.replace(CONTROL_CHARS, ' ')}\n`)),
    );
  };

  /**
   * Lets out what the sanitiser and the masker hold back (the end of a process's output, which may
   * end a character or a value), straight to the streamer: pushed through the masker again, the end
   * of a value it lets out would be held back once more, and stay out of the log until the next
   * write. Kiln's own lines are JS strings, valid UTF-8 already.
   */
  end(): void {
    this.streamer.write(this.masker.push(this.sanitizer.end()));
    this.streamer.write(this.masker.end());
  }
}
