import type { Kysely, Migration } from 'kysely';
import type { SqlDialectName } from '../sql/dialect.ts';

/**
 * The file manager (CodeArts' keystore operations, issue 19): files a domain keeps for its builds
 * (signing keystores, settings.xml, .npmrc), their bytes sealed with the server's key (AES-256-GCM:
 * the database holds no plaintext), who may do what with each, and every read of one.
 */
export function keystores(dialect: SqlDialectName): Migration {
  const blob = dialect === 'postgres' ? 'bytea' : 'blob';
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('keystores')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('domain_id', 'text', (c) => c.notNull().references('domains.id').onDelete('cascade'))
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('description', 'text', (c) => c.notNull())
        .addColumn('share', 'integer', (c) => c.notNull())
        .addColumn('size', 'bigint', (c) => c.notNull())
        .addColumn('sha256', 'text', (c) => c.notNull())
        .addColumn('content', blob, (c) => c.notNull())
        .addColumn('creator_id', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updater_id', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .addUniqueConstraint('keystores_name', ['domain_id', 'name'])
        .execute();
      await db.schema
        .createTable('keystore_permissions')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('keystore_id', 'text', (c) => c.notNull().references('keystores.id').onDelete('cascade'))
        .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('setting', 'integer', (c) => c.notNull())
        .addColumn('can_delete', 'integer', (c) => c.notNull())
        .addColumn('modify', 'integer', (c) => c.notNull())
        .addColumn('usage', 'integer', (c) => c.notNull())
        .addColumn('can_absent', 'integer', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addUniqueConstraint('keystore_permissions_user', ['keystore_id', 'user_id'])
        .execute();
      await db.schema
        .createTable('keystore_accesses')
        .addColumn('keystore_id', 'text', (c) => c.notNull().references('keystores.id').onDelete('cascade'))
        .addColumn('at', 'bigint', (c) => c.notNull())
        .addColumn('user_id', 'text', (c) => c.notNull())
        .addColumn('how', 'text', (c) => c.notNull())
        .addColumn('record_id', 'text')
        .execute();
      await db.schema
        .createIndex('keystore_accesses_file')
        .on('keystore_accesses')
        .columns(['keystore_id', 'at'])
        .execute();
    },
  };
}
