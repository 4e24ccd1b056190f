/**
 * An insert whose SQL starts with this comment takes as its parameters a list of rows, each the
 * array of one row's values, and the one-row statement after the comment is run once per row, all
 * in one call. The SQLite adapter does that (storage/sqlite/statement-cache.ts): a prepared one-row
 * insert is SQLite's fastest (a thousand-row VALUES list cost it twice as much per row), and one
 * call per list spares the query machinery per row. Only stores whose flavour says so use it.
 */
export const ROW_LIST = '/* params: rows */';
