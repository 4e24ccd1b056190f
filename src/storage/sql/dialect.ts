/** The SQL engines Kiln's storage runs on. */
export const SQL_DIALECTS = ['sqlite', 'postgres'] as const;
export type SqlDialectName = (typeof SQL_DIALECTS)[number];
