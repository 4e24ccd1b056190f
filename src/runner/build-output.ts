import { CONTROL_CHARS } from '../domain/control-chars.ts';
import type { LogStreamer } from './log-streamer.ts';
import type { SecretMasker } from './secret-masker.ts';

/**
 * What a build writes to its log: the output of its processes, and Kiln's own `[kiln]` lines, both
 * through the masker of its sensitive values.
 */
export class BuildOutput {
  constructor(
    private readonly streamer: LogStreamer,
    private readonly masker: SecretMasker,
  ) {}

  /** The build's processes' output, as it comes. */
  readonly write = (data: Buffer): void => this.streamer.write(this.masker.push(data));

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

  /** Lets out what the masker holds back (the end of a process's output, which may end a value). */
  end(): void {
    this.write(this.masker.end());
  }
}
