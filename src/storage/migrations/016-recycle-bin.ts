import { sql, type Kysely, type Migration } from 'kysely';

/**
 * The recycle bin: a deleted job keeps its row (as before) and now also who deleted it, and
 * whether its permanent deletion was asked for (the purge then removes its builds in batches and
 * finally the row). The index serves the bin's listing and the purge's search for expired jobs.
 */
export function recycleBin(): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema.alterTable('jobs').addColumn('deleted_by', 'text').execute();
      await db.schema
        .alterTable('jobs')
        .addColumn('purge_requested', 'integer', (c) => c.notNull().defaultTo(0))
        .execute();
      await db.schema
        .createIndex('jobs_recycled')
        .on('jobs')
        .columns(['deleted_at'])
        .where(sql.ref('deleted_at'), 'is not', null)
        .execute();
    },
  };
}
