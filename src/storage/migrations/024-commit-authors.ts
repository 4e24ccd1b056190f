import type { Kysely, Migration } from 'kysely';

/**
 * `builds.commit_author`: the name of the checked-out commit's author, shown beside its message in
 * a job's history (Kiln's commit-messages operation; the records API has no such field). '' for
 * builds made before, imported ones and those of runners older than the field.
 */
export function commitAuthors(): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .alterTable('builds')
        .addColumn('commit_author', 'text', (c) => c.notNull().defaultTo(''))
        .execute();
    },
  };
}
