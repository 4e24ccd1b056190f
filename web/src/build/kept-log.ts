import { LogBuffer } from '../lib/log-buffer.ts';
import { LOG_KEEP_LINES, LOG_MAX_LINES } from './log-window.ts';

/**
 * What the page keeps of a log (the whole build's, or a stage's): its lines from byte `skipped`
 * on. The first read may be the log's end only (`start`); text that follows is added at the end,
 * and past LOG_MAX_LINES the oldest lines go, down to LOG_KEEP_LINES, counted in `skipped` (at
 * once, not line by line, so the view is laid out again only now and then). Windows read back on
 * demand go in front (`addEarlier`) and raise the limit by their lines: the reader asked for them.
 */
export class KeptLog {
  readonly buffer = new LogBuffer();
  /** Bytes of the log before the first line kept. */
  skipped = 0;
  /** Lines read back on demand. */
  private extra = 0;

  /** The first text read, from byte `from` of the log (0: all of it). */
  start(from: number, text: string): void {
    this.skipped = from;
    this.add(text);
  }

  /** Text that follows what is kept. */
  add(text: string): void {
    const b = this.buffer;
    b.append(text);
    if (b.length > LOG_MAX_LINES + this.extra)
      this.skipped += b.dropFirst(b.length - LOG_KEEP_LINES - this.extra);
  }

  /** The window that ends where what is kept starts (readEarlier's), put in front. */
  addEarlier(window: { text: string; from: number }): void {
    const had = this.buffer.length;
    this.buffer.prepend(window.text);
    this.extra += this.buffer.length - had;
    this.skipped = window.from;
  }
}
