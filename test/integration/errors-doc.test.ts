import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { APP_ERROR_CODES } from '../../src/domain/errors.ts';
import { ERROR_TABLE } from '../../src/server/error-table.ts';

/**
 * docs/errors.md lists every row of the error table as `| status | error_code | catalogue code | meaning |`,
 * so the docs and what the server answers cannot drift apart.
 */

const DOC = fileURLToPath(new URL('../../docs/errors.md', import.meta.url));

interface DocRow {
  status: number;
  errorCode: string;
  catalogueCode: string;
  meaning: string;
  line: number;
}

const unquote = (cell: string) =>
  cell
    .trim()
    .replace(/^`(.*)`$/, '$1')
    .trim();

/** The rows of the 4-column table whose first cell is an HTTP status. */
function docRows(markdown: string): DocRow[] {
  const rows: DocRow[] = [];
  markdown.split('\n').forEach((text, i) => {
    const cells = text
      .trim()
      .match(/^\|(.*)\|$/)?.[1]
      ?.split(/(?<!\\)\|/);
    if (!cells || cells.length !== 4 || !/^\d{3}$/.test(unquote(cells[0] as string))) return;
    rows.push({
      status: Number(unquote(cells[0] as string)),
      errorCode: unquote(cells[1] as string),
      catalogueCode: unquote(cells[2] as string),
      meaning: (cells[3] as string).trim(),
      line: i + 1,
    });
  });
  return rows;
}

describe('docs/errors.md', () => {
  const markdown = existsSync(DOC) ? readFileSync(DOC, 'utf8') : undefined;
  const rows = markdown ? docRows(markdown) : [];

  it('exists', () => {
    expect(markdown, 'docs/errors.md is missing').toBeDefined();
  });

  it('has a 4-column table | status | error_code | catalogue code | meaning |', () => {
    expect(rows.length).toBeGreaterThan(0);
  });

  it.each(APP_ERROR_CODES)('lists %s with its status and error_code', (code) => {
    const wire = ERROR_TABLE[code];
    const row = rows.find((r) => r.catalogueCode === code);
    expect(row, `no row for ${code} in docs/errors.md`).toBeDefined();
    expect({ status: row?.status, errorCode: row?.errorCode }).toEqual({
      status: wire.status,
      errorCode: wire.errorCode,
    });
    expect(row?.meaning.length ?? 0).toBeGreaterThan(0);
  });

  // The table's `meaning` is the text of this page's row: one that grew in the doc and not in the
  // code (or the other way) is a stale description in one of the two.
  it.each(APP_ERROR_CODES)('gives %s the meaning the error table has', (code) => {
    const row = rows.find((r) => r.catalogueCode === code);
    expect(row?.meaning, `docs/errors.md line ${row?.line}`).toBe(ERROR_TABLE[code].meaning);
  });

  it('lists every catalogue code once, and nothing the catalogue does not have', () => {
    const documented = rows.map((r) => r.catalogueCode);
    expect([...documented].sort()).toEqual([...Object.keys(ERROR_TABLE)].sort());
  });
});
