import type { ReactNode } from 'react';

/**
 * A column header that sorts its table when pressed: a button inside the `<th>` (a header is no
 * control for keyboards and screen readers), and `aria-sort` on the header only while the table
 * is sorted by it, as ARIA asks.
 */
export function SortHeader({
  children,
  sorted,
  onSort,
}: {
  children: ReactNode;
  /** How the table is sorted by this column, or undefined when by another. */
  sorted: 'ascending' | 'descending' | undefined;
  onSort: () => void;
}) {
  return (
    <th scope="col" {...(sorted && { 'aria-sort': sorted })}>
      <button type="button" className="sort-button" onClick={onSort}>
        {children}
        <span className="sort-mark" aria-hidden="true">
          {sorted === 'ascending' ? '▲' : sorted === 'descending' ? '▼' : '↕'}
        </span>
      </button>
    </th>
  );
}
