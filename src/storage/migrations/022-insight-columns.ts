import { sql, type Kysely, type Migration } from 'kysely';
import type { SqlDialectName } from '../sql/dialect.ts';

/** What the insights read of each build of a window (BuildStore.insightRows), besides the key. */
export const INSIGHT_INDEX_COLUMNS = [
  'finished_at',
  'running_status',
  'state',
  'build_type',
  'code_branch',
  'build_time',
  'commit_time',
  'commit_id',
] as const;

/**
 * The records' window index `(job_id, start_time, number)` also carries the columns the insights
 * read, so that a window's insights are read from the index alone. A builds row is wide (its
 * rendered record is kept in it), and reading 82,000 of them for a 90-day window touched ten
 * times the pages the index does. On PostgreSQL they are INCLUDE columns (the key stays the
 * records'); SQLite has no INCLUDE, so they trail the key. Same index name, so nothing else changes.
 */
export function insightColumns(dialect: SqlDialectName): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await sql`drop index builds_window`.execute(db);
      const extra = sql.join(INSIGHT_INDEX_COLUMNS.map((c) => sql.ref(c)));
      await (
        dialect === 'postgres'
          ? sql`create index builds_window on builds (job_id, start_time, number) include (${extra})`
          : sql`create index builds_window on builds (job_id, start_time, number, ${extra})`
      ).execute(db);
    },
  };
}
