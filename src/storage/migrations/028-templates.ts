import type { Kysely, Migration } from 'kysely';

/**
 * Build templates (issue 19): a domain's own templates (CreateTemplate), who marked which template
 * a favourite (custom or official: Kiln's official ones live in domain/official-templates.ts), and
 * which template each job was started from (SaveTemplateUsedInfo).
 */
export function templates(): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('build_templates')
        .addColumn('uuid', 'text', (c) => c.primaryKey())
        .addColumn('domain_id', 'text', (c) => c.notNull().references('domains.id').onDelete('cascade'))
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('description', 'text', (c) => c.notNull())
        .addColumn('tool_type', 'text', (c) => c.notNull())
        .addColumn('steps', 'text', (c) => c.notNull())
        .addColumn('parameters', 'text', (c) => c.notNull())
        .addColumn('creator_id', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addUniqueConstraint('build_templates_name', ['domain_id', 'name'])
        .execute();
      await db.schema
        .createTable('template_favourites')
        .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('template_uuid', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('template_favourites_pk', ['user_id', 'template_uuid'])
        .execute();
      await db.schema
        .createTable('template_uses')
        .addColumn('job_id', 'text', (c) => c.primaryKey().references('jobs.id').onDelete('cascade'))
        .addColumn('template_uuid', 'text', (c) => c.notNull())
        .addColumn('domain_id', 'text', (c) => c.notNull())
        .addColumn('user_id', 'text', (c) => c.notNull())
        .addColumn('used_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('template_uses_domain')
        .on('template_uses')
        .columns(['domain_id', 'template_uuid'])
        .execute();
    },
  };
}
