import { useEffect, useState, type FormEvent } from 'react';
import { formatCount } from '../lib/format.ts';

/**
 * The 0-based page of a list read a page at a time, for a Pager: back to the first page when
 * `filter` changes (another search). `pagesOf(total)`, called while rendering with the total the
 * list read last, counts the pages and moves onto the last one when the list now ends before the
 * page shown: deleting the only item of the last page would otherwise leave an empty page past the
 * end, with the pager (shown only while there is more than one page) gone.
 */
export function usePage(pageSize: number, filter: string) {
  const [page, setPage] = useState(0);
  const [lastFilter, setLastFilter] = useState(filter);
  // Adjusted while rendering (not in an effect), so the stale page is neither drawn nor read.
  if (filter !== lastFilter) {
    setLastFilter(filter);
    setPage(0);
  }
  const pagesOf = (total: number | undefined): number => {
    const pages = Math.ceil((total ?? 0) / pageSize);
    if (total !== undefined && filter === lastFilter && page > 0 && page >= pages)
      setPage(Math.max(0, pages - 1));
    return pages;
  };
  return { page, setPage, pagesOf };
}

/** Pages of a list: first, previous, a page number to jump to, next, last. `page` is 0-based. */
export function Pager({
  page,
  totalPages,
  onPage,
  label = 'Pages',
}: {
  page: number;
  totalPages: number;
  onPage: (page: number) => void;
  label?: string;
}) {
  const [typed, setTyped] = useState(String(page + 1));
  useEffect(() => setTyped(String(page + 1)), [page]);
  const last = Math.max(0, totalPages - 1);
  const jump = (e: FormEvent) => {
    e.preventDefault();
    const n = Number(typed);
    if (Number.isInteger(n) && n >= 1) onPage(Math.min(n - 1, last));
  };
  return (
    <nav className="pager" aria-label={label}>
      <button type="button" onClick={() => onPage(0)} disabled={page <= 0} aria-label="First page">
        «
      </button>
      <button type="button" onClick={() => onPage(page - 1)} disabled={page <= 0} aria-label="Previous page">
        ‹
      </button>
      <form onSubmit={jump} className="pager-jump">
        <label>
          Page{' '}
          <input
            type="number"
            inputMode="numeric"
            min={1}
            max={Math.max(1, totalPages)}
            value={typed}
            onChange={(e) => setTyped(e.target.value)}
            aria-label="Page number"
          />
        </label>{' '}
        <span>of {formatCount(Math.max(1, totalPages))}</span>
      </form>
      <button type="button" onClick={() => onPage(page + 1)} disabled={page >= last} aria-label="Next page">
        ›
      </button>
      <button type="button" onClick={() => onPage(last)} disabled={page >= last} aria-label="Last page">
        »
      </button>
    </nav>
  );
}
