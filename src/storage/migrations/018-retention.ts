import type { Kysely, Migration } from 'kysely';

/**
 * SetKeepTime: a domain's own recycle-bin retention, in days (null: the server's
 * KILN_RECYCLE_BIN_DAYS). Build retention needs no column: it is in the job document.
 */
export function retention(): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema.alterTable('domains').addColumn('recycle_bin_days', 'integer').execute();
    },
  };
}
