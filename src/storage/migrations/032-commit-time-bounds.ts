import { sql, type Kysely, type Migration } from 'kysely';
import { LAST_COMMIT_TIME } from '../../domain/time.ts';

/**
 * Commit times no Date holds go. A runner once sent whatever git said (a commit dated far in the
 * future), and such a build could be neither shown nor ended: its views threw, and so did the
 * sweep that takes back lost builds, for every build after it. The server now refuses such times;
 * the builds that have one lose it (shown as no commit time), and can end.
 */
export function commitTimeBounds(): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await sql`update builds set commit_time = null
        where commit_time > ${LAST_COMMIT_TIME} or commit_time < 0`.execute(db);
    },
  };
}
