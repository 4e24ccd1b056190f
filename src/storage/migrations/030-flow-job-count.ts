import { sql, type Kysely, type Migration } from 'kysely';

/**
 * `build_flows.job_count`: how many jobs the flow has. A job's row in `flow_jobs` goes with its
 * build (by cascade), so without the count a flow whose job's build was deleted would move on as
 * if it never had that job (and could end SUCCESS without it).
 */
export function flowJobCount(): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .alterTable('build_flows')
        .addColumn('job_count', 'integer', (c) => c.notNull().defaultTo(0))
        .execute();
      await sql`update build_flows set job_count =
        (select count(*) from flow_jobs where flow_jobs.parent_id = build_flows.parent_id)`.execute(db);
    },
  };
}
