import { formatBytes } from '../domain/artifact-text.ts';

/** Running totals of an import, as the server confirmed them. */
export interface ImportTotals {
  /** Lines sent in confirmed parts. */
  lines: number;
  imported: number;
  skipped: number;
  /** Records of builds not finished where they were read: left out. */
  unfinished: number;
  elapsedMs: number;
  /** Bytes sent in confirmed parts, and the input's size when known (a file, not a pipe). */
  bytes: number;
  totalBytes?: number;
}

const count = (n: number) => n.toLocaleString('en-US');

/**
 * `imported N, skipped M (already present)[, left out K not finished] in X.Ys`: the line an
 * import ends with.
 */
export function importSummary(t: ImportTotals): string {
  const unfinished =
    t.unfinished > 0 ? `, left out ${count(t.unfinished)} not finished (import again once they are)` : '';
  return `imported ${count(t.imported)}, skipped ${count(t.skipped)} (already present)${unfinished} in ${(t.elapsedMs / 1000).toFixed(1)}s`;
}

/** `[########------------]  42% `: 20 cells and a percentage; '' when the total is unknown. */
function bar(done: number, total: number | undefined): string {
  if (!total) return '';
  const share = Math.min(1, done / total);
  const filled = Math.round(share * 20);
  return `[${'#'.repeat(filled)}${'-'.repeat(20 - filled)}] ${String(Math.floor(share * 100)).padStart(3)}% `;
}

/** A 20-cell bar when the size is known, then the counters and the rate. */
export function progressLine(t: ImportTotals): string {
  const rate = t.elapsedMs > 0 ? Math.round((t.lines * 1000) / t.elapsedMs) : 0;
  return `${bar(t.bytes, t.totalBytes)}${count(t.lines)} lines sent: ${count(t.imported)} imported, ${count(t.skipped)} skipped, ${count(rate)} lines/s`;
}

/** Where a download is. */
export interface TransferTotals {
  /** What is being downloaded (an artifact's name). */
  label: string;
  /** Bytes on disk so far, a resumed start included. */
  bytes: number;
  /** The whole size, when known. */
  totalBytes?: number;
  /** Bytes this run received (the rate is theirs: resumed bytes came for free). */
  received: number;
  elapsedMs: number;
}

/** `app.jar [########------------]  42% 1.0 MiB of 2.4 MiB, 3.1 MiB/s`. */
export function transferLine(t: TransferTotals): string {
  const rate = t.elapsedMs > 0 ? (t.received * 1000) / t.elapsedMs : 0;
  const of = t.totalBytes === undefined ? '' : ` of ${formatBytes(t.totalBytes)}`;
  return `${t.label} ${bar(t.bytes, t.totalBytes)}${formatBytes(t.bytes)}${of}, ${formatBytes(Math.round(rate))}/s`;
}

/**
 * One status line on a terminal, redrawn in place (`\r` + erase line). Off a terminal it draws
 * nothing: logs and CI output want the summary, not a hundred redraws.
 */
export class ProgressLine {
  private drawn = false;

  constructor(
    private readonly write: (text: string) => void,
    private readonly enabled: boolean,
  ) {}

  /** Replaces the line with `text`. */
  update(text: string): void {
    if (!this.enabled) return;
    this.write(`\r\x1b[2K${text}`);
    this.drawn = true;
  }

  /** Ends the line so what follows starts on its own. */
  done(): void {
    if (this.drawn) this.write('\n');
    this.drawn = false;
  }
}
