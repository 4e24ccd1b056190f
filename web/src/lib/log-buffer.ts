import { parseAnsiLine, plainText, type AnsiRun, type AnsiStyle } from './ansi.ts';

/** One line of a build log, parsed. */
export interface LogLine {
  runs: AnsiRun[];
  /** The text without escapes (for search). */
  text: string;
}

/** Bytes of `text` in UTF-8 (what the API's offsets count). */
function utf8Length(text: string): number {
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    // A surrogate pair is one 4-byte character: 2 + 2.
    else if (c >= 0xd800 && c < 0xe000) n += 2;
    else n += 3;
  }
  return n;
}

/**
 * A build log as it arrives in chunks: complete lines are parsed once; the unfinished last line is
 * kept as text and parsed again with the next chunk, so an escape sequence or a line cut by a chunk
 * boundary still renders right.
 */
export class LogBuffer {
  private done: LogLine[] = [];
  /** Bytes of each line in `done`, its line end included: what dropping it skips of the log. */
  private sizes: number[] = [];
  /** Lines dropped from the front (dropFirst) and not read back: line numbers count on from them. */
  private droppedLines = 0;

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
      this.sizes.push(utf8Length(raw) + 1);
    }
    this.tail = undefined;
  }

  /**
   * Adds text that came before everything so far: whole lines (it ends with a line end), or ending
   * in the first part of a line cut for length (log-window.ts), kept as a line of its own. Parsed
   * with no colour carried into them (an escape before them is not known).
   */
  prepend(text: string): void {
    if (text === '') return;
    const raws = text.split('\n');
    const whole = raws.at(-1) === '';
    if (whole) raws.pop();
    let style: AnsiStyle = {};
    const lines = raws.map((raw): LogLine => {
      const parsed = parseAnsiLine(raw.endsWith('\r') ? raw.slice(0, -1) : raw, style);
      style = parsed.style;
      return { runs: parsed.runs, text: plainText(parsed.runs) };
    });
    this.done = lines.concat(this.done);
    // The last one has no line end when it is the first part of a line cut for length.
    const sizes = raws.map((raw, i) => utf8Length(raw) + (whole || i < raws.length - 1 ? 1 : 0));
    this.sizes = sizes.concat(this.sizes);
    // What is read back is what was dropped last (it ends where the lines kept start).
    this.droppedLines = Math.max(0, this.droppedLines - lines.length);
  }

  /**
   * Drops the first `count` complete lines (a long live log keeps only its end in memory); returns
   * how many bytes of the log they were.
   */
  dropFirst(count: number): number {
    const n = Math.min(count, this.done.length);
    if (n <= 0) return 0;
    let bytes = 0;
    for (let i = 0; i < n; i++) bytes += this.sizes[i] as number;
    this.done = this.done.slice(n);
    this.sizes = this.sizes.slice(n);
    this.droppedLines += n;
    return bytes;
  }

  /** Lines dropped before the first one kept: the first line kept is line `dropped + 1` of what was read. */
  get dropped(): number {
    return this.droppedLines;
  }

  /**
   * The byte offset where each line (lines()) starts, when the first starts at `from`: what the
   * server's offsets (a step's bytes) are matched to.
   */
  lineStarts(from: number): number[] {
    const out: number[] = [];
    let at = from;
    for (const size of this.sizes) {
      out.push(at);
      at += size;
    }
    if (this.partial !== '') out.push(at);
    return out;
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

/**
 * Where each code unit of `text.toLowerCase()` comes from in `text`: the start and end of its
 * character. Lower-casing can lengthen text (İ becomes i and U+0307, the only character that
 * changes length), so positions found in the lower-cased text are not positions in `text`.
 */
function lowerCaseOrigins(text: string): { starts: number[]; ends: number[] } {
  const starts: number[] = [];
  const ends: number[] = [];
  let at = 0;
  for (const ch of text) {
    for (let k = ch.toLowerCase().length; k > 0; k--) {
      starts.push(at);
      ends.push(at + ch.length);
    }
    at += ch.length;
  }
  return { starts, ends };
}

/** The ranges of `text` that case-insensitively match `query` (not empty), whole characters each. */
function matchRanges(text: string, query: string): [number, number][] {
  const lower = text.toLowerCase();
  const q = query.toLowerCase();
  // Lower-casing never shortens a character: the same length means every position stayed put.
  const origins = lower.length === text.length ? undefined : lowerCaseOrigins(text);
  const ranges: [number, number][] = [];
  for (let at = lower.indexOf(q); at >= 0; at = lower.indexOf(q, at + q.length)) {
    const end = at + q.length;
    ranges.push(origins ? [origins.starts[at] as number, origins.ends[end - 1] as number] : [at, end]);
  }
  return ranges;
}

/** Splits runs so that every case-insensitive occurrence of `query` is its own marked run. */
export function markMatches(runs: readonly AnsiRun[], query: string): MarkedRun[] {
  if (query === '') return runs.map((r) => ({ ...r, mark: false }));
  const text = plainText(runs);
  const ranges = matchRanges(text, query);
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
