import { sql, type Kysely, type Migration } from 'kysely';
import { LAST_COMMIT_TIME } from '../../domain/time.ts';

/** 0000-01-01T00:00:00Z, the first instant of the four-digit years the import takes. */
const FIRST_YEAR = Date.parse('0000-01-01T00:00:00Z');

/**
 * Commit times past year 9999 (or before year 0) go. A runner once sent whatever git said (a
 * commit dated far in the future), and such a build could be neither shown nor ended: its views
 * threw, and so did the sweep that takes back lost builds, for every build after it. The server
 * now refuses such times; the builds that have one lose it (shown as no commit time), and can end.
 * An imported commit of the 1960s is a time a Date holds, and stays.
 */
export function commitTimeBounds(): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await sql`update builds set commit_time = null
        where commit_time > ${LAST_COMMIT_TIME} or commit_time < ${FIRST_YEAR}`.execute(db);
    },
  };
}
