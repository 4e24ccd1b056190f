import { sql, type Kysely, type Migration } from 'kysely';
import type { SqlDialectName } from '../sql/dialect.ts';

/**
 * A build added no longer bumps `jobs.records_version` by trigger: SQLite has only row triggers,
 * and updating the job's row once per build inserted doubled the cost of an import (1,000,000
 * builds, 1,000,000 job updates). The BuildStore's two insert paths (insert, insertMany) bump it
 * once per job in the same transaction instead; the store contract checks both. A build's state
 * set (one build at a time) keeps its trigger.
 */
export function recordsVersionPerInsert(dialect: SqlDialectName): Migration {
  return {
    async up(db: Kysely<unknown>) {
      if (dialect === 'sqlite') {
        await sql`drop trigger builds_added`.execute(db);
        return;
      }
      await sql`drop trigger builds_added on builds`.execute(db);
      await sql`drop function kiln_bump_records_version()`.execute(db);
    },
  };
}
