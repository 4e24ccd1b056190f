import type { Kysely, Migration } from 'kysely';

/**
 * A finished build's record as the records list shows it (domain/rendered-record.ts), kept beside
 * the build, with the format it was rendered in: a fresh records page then reads one text per build
 * instead of its 24 columns, and maps and serializes nothing. Builds finished before this
 * migration have none and are rendered per request, as before.
 *
 * Numbered 010, not 009: another change takes 009.
 */
export function renderedRecords(): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema.alterTable('builds').addColumn('record_json', 'text').execute();
      await db.schema.alterTable('builds').addColumn('record_format', 'integer').execute();
    },
  };
}
