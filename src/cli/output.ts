import Table from 'cli-table3';
import { visibleControls } from '../domain/control-chars.ts';

/** Output formats of commands whose output is data. */
export const OUTPUT_FORMATS = ['table', 'json', 'csv', 'jsonl'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

/** A column of tabular output: a header and how to get the cell from a row. */
export interface Column<T> {
  header: string;
  value: (row: T) => unknown;
}

function cellText(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

/**
 * A text that a spreadsheet would take for a formula (OWASP "CSV injection": = + - @, tab, CR):
 * a commit message or branch name is whoever pushed it's text, and `=HYPERLINK(...)` or `=cmd|...`
 * must open as text. Numbers are written as they are (-1 is a number, not a formula).
 */
const FORMULA_START = /^[=+\-@\t\r]/;

/**
 * RFC 4180: quote a field when it holds a comma, quote, CR or LF; double inner quotes. A text
 * cell that a spreadsheet would run as a formula is prefixed with a single quote first.
 */
export function csvField(value: unknown): string {
  const raw = cellText(value);
  const text = typeof value !== 'number' && FORMULA_START.test(raw) ? `'${raw}` : raw;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** Writes rows progressively in a format; the table format buffers (it needs column widths). */
export class RowWriter<T> {
  private readonly table: Table.Table | undefined;
  private first = true;

  constructor(
    private readonly format: OutputFormat,
    private readonly columns: Column<T>[],
    private readonly write: (text: string) => void,
    /** What json/jsonl print for a row (default: the row itself). */
    private readonly raw: (row: T) => unknown = (row) => row,
  ) {
    if (format === 'table')
      this.table = new Table({ head: columns.map((c) => c.header), style: { head: [], border: [] } });
    if (format === 'csv') this.write(`${columns.map((c) => csvField(c.header)).join(',')}\r\n`);
    if (format === 'json') this.write('[');
  }

  row(row: T): void {
    switch (this.format) {
      case 'table':
        // Written to a terminal: server text's escape sequences are shown, not run (csv and json
        // are data for programs, which get the text as it is, JSON-escaped where JSON says so).
        this.table?.push(this.columns.map((c) => visibleControls(cellText(c.value(row)))));
        break;
      case 'csv':
        this.write(`${this.columns.map((c) => csvField(c.value(row))).join(',')}\r\n`);
        break;
      case 'jsonl':
        this.write(`${JSON.stringify(this.raw(row))}\n`);
        break;
      case 'json':
        this.write(`${this.first ? '\n  ' : ',\n  '}${JSON.stringify(this.raw(row))}`);
        break;
    }
    this.first = false;
  }

  end(): void {
    if (this.format === 'table')
      this.write(this.table && this.table.length > 0 ? `${this.table.toString()}\n` : '(none)\n');
    if (this.format === 'json') this.write(this.first ? ']\n' : '\n]\n');
  }
}

/** Writes a whole list at once. */
export function writeRows<T>(
  format: OutputFormat,
  columns: Column<T>[],
  rows: T[],
  write: (t: string) => void,
  raw?: (row: T) => unknown,
): void {
  const w = new RowWriter(format, columns, write, raw);
  for (const r of rows) w.row(r);
  w.end();
}
