import { parseAnsiLine, plainText, type AnsiRun, type AnsiStyle } from './ansi.ts';

/** One line of a build log, parsed. */
export interface LogLine {
  runs: AnsiRun[];
  /** The text without escapes (for search). */
  text: string;
}

/**
 * A build log as it arrives in chunks: complete lines are parsed once; the unfinished last line is
 * kept as text and parsed again with the next chunk, so an escape sequence or a line cut by a chunk
 * boundary still renders right.
 */
export class LogBuffer {
  private done: LogLine[] = [];
  private partial = '';
  private style: AnsiStyle = {};
  private tail: LogLine | undefined;

  /** Adds a chunk of log text. */
  append(chunk: string): void {
    if (chunk === '') return;
    const text = this.partial + chunk;
    const parts = text.split('\n');
    this.partial = parts.pop() ?? '';
    for (const raw of parts) {
      const { runs, style } = parseAnsiLine(raw.endsWith('\r') ? raw.slice(0, -1) : raw, this.style);
      this.style = style;
      this.done.push({ runs, text: plainText(runs) });
    }
    this.tail = undefined;
  }

  /**
   * Adds text that came before everything so far: whole lines (it ends with a line end), parsed
   * with no colour carried into them (an escape before them is not known).
   */
  prepend(text: string): void {
    if (text === '') return;
    const raws = text.split('\n');
    raws.pop();
    let style: AnsiStyle = {};
    const lines = raws.map((raw): LogLine => {
      const parsed = parseAnsiLine(raw.endsWith('\r') ? raw.slice(0, -1) : raw, style);
      style = parsed.style;
      return { runs: parsed.runs, text: plainText(parsed.runs) };
    });
    this.done = lines.concat(this.done);
  }

  /** Every line so far, the unfinished one last. */
  lines(): LogLine[] {
    if (this.partial === '') return this.done;
    if (!this.tail) {
      const { runs } = parseAnsiLine(this.partial, this.style);
      this.tail = { runs, text: plainText(runs) };
    }
    return [...this.done, this.tail];
  }

  /** How many lines there are, the unfinished one included. */
  get length(): number {
    return this.done.length + (this.partial === '' ? 0 : 1);
  }
}

/** A run of text that may be a search match. */
export interface MarkedRun extends AnsiRun {
  mark: boolean;
}

/** Splits runs so that every case-insensitive occurrence of `query` is its own marked run. */
export function markMatches(runs: readonly AnsiRun[], query: string): MarkedRun[] {
  if (query === '') return runs.map((r) => ({ ...r, mark: false }));
  const text = plainText(runs);
  const lower = text.toLowerCase();
  const q = query.toLowerCase();
  const ranges: [number, number][] = [];
  for (let at = lower.indexOf(q); at >= 0; at = lower.indexOf(q, at + q.length))
    ranges.push([at, at + q.length]);
  if (ranges.length === 0) return runs.map((r) => ({ ...r, mark: false }));
  const out: MarkedRun[] = [];
  let pos = 0;
  for (const run of runs) {
    const end = pos + run.text.length;
    let cut = pos;
    for (const [a, b] of ranges) {
      if (b <= cut || a >= end) continue;
      if (a > cut) out.push({ text: text.slice(cut, a), style: run.style, mark: false });
      const to = Math.min(b, end);
      out.push({ text: text.slice(Math.max(a, cut), to), style: run.style, mark: true });
      cut = to;
    }
    if (cut < end) out.push({ text: text.slice(cut, end), style: run.style, mark: false });
    pos = end;
  }
  return out;
}
