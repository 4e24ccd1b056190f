import { sql, type Kysely, type Migration } from 'kysely';
import type { SqlDialectName } from '../sql/dialect.ts';

/**
 * `jobs.records_version` changes whenever the job's build history could read differently: a build
 * added, or a build's state set (a build finishing). The records API keys its page cache on it.
 * Triggers keep it, so no write path can forget to; log appends and lease renewals do not touch
 * it. SQLite has only row triggers; on PostgreSQL an insert bumps once per statement (an import
 * inserts a thousand builds per statement).
 */
export function recordsVersion(dialect: SqlDialectName): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .alterTable('jobs')
        .addColumn('records_version', 'bigint', (c) => c.notNull().defaultTo(0))
        .execute();
      if (dialect === 'sqlite') {
        await sql`create trigger builds_added after insert on builds begin
            update jobs set records_version = records_version + 1 where id = new.job_id;
          end`.execute(db);
        await sql`create trigger builds_state_set after update of state on builds begin
            update jobs set records_version = records_version + 1 where id = new.job_id;
          end`.execute(db);
        return;
      }
      await sql`create function kiln_bump_records_version() returns trigger language plpgsql as $$
          begin
            update jobs set records_version = records_version + 1 where id in (select distinct job_id from changed);
            return null;
          end $$`.execute(db);
      await sql`create trigger builds_added after insert on builds
          referencing new table as changed for each statement execute function kiln_bump_records_version()`.execute(
        db,
      );
      // Column-list triggers cannot see transition tables; a state is set one build at a time anyway.
      await sql`create function kiln_bump_records_version_row() returns trigger language plpgsql as $$
          begin
            update jobs set records_version = records_version + 1 where id = new.job_id;
            return null;
          end $$`.execute(db);
      await sql`create trigger builds_state_set after update of state on builds
          for each row execute function kiln_bump_records_version_row()`.execute(db);
    },
  };
}
