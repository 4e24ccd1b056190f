import { sql, type Kysely, type Migration } from 'kysely';
import type { SqlDialectName } from '../sql/dialect.ts';

/** Tables for identity, jobs, builds, logs and the queue. Portable SQL, with the few dialect forks marked. */
export function initial(dialect: SqlDialectName): Migration {
  const pg = dialect === 'postgres';
  const blob = pg ? 'bytea' : 'blob';
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('domains')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull().unique())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('users')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('domain_id', 'text', (c) => c.notNull().references('domains.id'))
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('display_name', 'text', (c) => c.notNull())
        .addColumn('password_hash', 'text', (c) => c.notNull())
        .addColumn('is_admin', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('disabled', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('failed_logins', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('locked_until', 'bigint', (c) => c.notNull().defaultTo(0))
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .addUniqueConstraint('users_domain_name', ['domain_id', 'name'])
        .execute();

      await db.schema
        .createTable('iam_projects')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('domain_id', 'text', (c) => c.notNull().references('domains.id'))
        .addColumn('name', 'text', (c) => c.notNull())
        .addUniqueConstraint('iam_projects_domain_name', ['domain_id', 'name'])
        .execute();

      await db.schema
        .createTable('projects')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('domain_id', 'text', (c) => c.notNull().references('domains.id'))
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
        .addColumn('creator_id', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addUniqueConstraint('projects_domain_name', ['domain_id', 'name'])
        .execute();

      await db.schema
        .createTable('project_members')
        .addColumn('project_id', 'text', (c) => c.notNull().references('projects.id').onDelete('cascade'))
        .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('role', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('project_members_pk', ['project_id', 'user_id'])
        .execute();
      await db.schema.createIndex('project_members_user').on('project_members').column('user_id').execute();

      await db.schema
        .createTable('tokens')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('scope', 'text', (c) => c.notNull())
        .addColumn('iam_project_id', 'text')
        .addColumn('issued_at', 'bigint', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .addColumn('revoked_at', 'bigint')
        .execute();
      await db.schema.createIndex('tokens_user').on('tokens').column('user_id').execute();
      await db.schema.createIndex('tokens_expires').on('tokens').column('expires_at').execute();

      await db.schema
        .createTable('access_keys')
        .addColumn('ak', 'text', (c) => c.primaryKey())
        .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('secret_enc', 'text', (c) => c.notNull())
        .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('last_used_at', 'bigint')
        .execute();
      await db.schema.createIndex('access_keys_user').on('access_keys').column('user_id').execute();

      await db.schema
        .createTable('jobs')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('project_id', 'text', (c) => c.notNull().references('projects.id'))
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('creator_id', 'text', (c) => c.notNull())
        .addColumn('config', 'text', (c) => c.notNull())
        .addColumn('disabled', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('disabled_reason', 'text', (c) => c.notNull().defaultTo(''))
        .addColumn('webhook_secret_enc', 'text', (c) => c.notNull())
        .addColumn('last_build_number', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .addColumn('deleted_at', 'bigint')
        .execute();
      // A name is unique among the live jobs of a project; deleted jobs keep theirs.
      await db.schema
        .createIndex('jobs_project_name')
        .on('jobs')
        .columns(['project_id', 'name'])
        .unique()
        .where(sql.ref('deleted_at'), 'is', null)
        .execute();

      await db.schema
        .createTable('daily_counters')
        .addColumn('job_id', 'text', (c) => c.notNull())
        .addColumn('day', 'text', (c) => c.notNull())
        .addColumn('n', 'integer', (c) => c.notNull())
        .addPrimaryKeyConstraint('daily_counters_pk', ['job_id', 'day'])
        .execute();

      await db.schema
        .createTable('builds')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('job_id', 'text', (c) => c.notNull().references('jobs.id'))
        .addColumn('number', 'integer', (c) => c.notNull())
        .addColumn('daily_build_number', 'text', (c) => c.notNull())
        .addColumn('start_time', 'bigint', (c) => c.notNull())
        .addColumn('run_started_at', 'bigint')
        .addColumn('finished_at', 'bigint')
        .addColumn('running_status', 'text', (c) => c.notNull())
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('trigger_type', 'text', (c) => c.notNull())
        .addColumn('user_id', 'text', (c) => c.notNull())
        .addColumn('executor', 'text', (c) => c.notNull())
        .addColumn('nickname', 'text', (c) => c.notNull())
        .addColumn('commit_id', 'text', (c) => c.notNull())
        .addColumn('commit_time', 'bigint')
        .addColumn('build_type', 'text', (c) => c.notNull())
        .addColumn('code_branch', 'text', (c) => c.notNull())
        .addColumn('scm_type', 'text', (c) => c.notNull())
        .addColumn('scm_web_url', 'text', (c) => c.notNull())
        .addColumn('build_time', 'bigint')
        .addColumn('cost_time', 'bigint')
        .addColumn('parameters', 'text', (c) => c.notNull())
        .addColumn('requested_commit', 'text', (c) => c.notNull())
        .addColumn('runner_id', 'text')
        .addColumn('lease_expires_at', 'bigint')
        .addColumn('log_size', 'bigint', (c) => c.notNull().defaultTo(0))
        .addColumn('cancel_requested', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('commit_message', 'text', (c) => c.notNull().defaultTo(''))
        // What the build runs (steps, repository, parameters), fixed when it is triggered; null for imports.
        .addColumn('plan', 'text')
        .addUniqueConstraint('builds_job_number', ['job_id', 'number'])
        .execute();
      // The records query: a job's builds in a time window, newest first.
      await db.schema
        .createIndex('builds_window')
        .on('builds')
        .columns(['job_id', 'start_time', 'number'])
        .execute();
      // Health score: a job's latest counted builds without walking past aborted or running ones.
      await db.schema
        .createIndex('builds_counted')
        .on('builds')
        .columns(['job_id', 'number'])
        .where(sql.ref('state'), 'in', ['SUCCESS', 'FAILURE', 'timeout'])
        .execute();
      // Recovery and lease expiry look only at unfinished builds.
      await db.schema
        .createIndex('builds_active')
        .on('builds')
        .columns(['running_status', 'lease_expires_at'])
        .where(sql.ref('running_status'), '<>', 'Finished')
        .execute();

      let counts = db.schema
        .createTable('build_counts')
        .addColumn('job_id', 'text', (c) => c.notNull())
        .addColumn('bucket', 'integer', (c) => c.notNull())
        .addColumn('n', 'integer', (c) => c.notNull())
        .addPrimaryKeyConstraint('build_counts_pk', ['job_id', 'bucket']);
      if (!pg) counts = counts.modifyEnd(sql`without rowid`);
      await counts.execute();

      await db.schema
        .createTable('build_steps')
        .addColumn('build_id', 'text', (c) => c.notNull().references('builds.id').onDelete('cascade'))
        .addColumn('idx', 'integer', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('module_id', 'text', (c) => c.notNull())
        .addColumn('enabled', 'integer', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('started_at', 'bigint')
        .addColumn('finished_at', 'bigint')
        .addColumn('log_start', 'bigint')
        .addColumn('log_end', 'bigint')
        .addPrimaryKeyConstraint('build_steps_pk', ['build_id', 'idx'])
        .execute();

      await db.schema
        .createTable('log_chunks')
        .addColumn('build_id', 'text', (c) => c.notNull().references('builds.id').onDelete('cascade'))
        .addColumn('start_offset', 'bigint', (c) => c.notNull())
        .addColumn('data', blob, (c) => c.notNull())
        .addPrimaryKeyConstraint('log_chunks_pk', ['build_id', 'start_offset'])
        .execute();

      await db.schema
        .createTable('build_queue')
        .addColumn('seq', pg ? 'bigserial' : 'integer', (c) =>
          pg ? c.primaryKey() : c.primaryKey().autoIncrement(),
        )
        .addColumn('build_id', 'text', (c) =>
          c.notNull().unique().references('builds.id').onDelete('cascade'),
        )
        .addColumn('job_id', 'text', (c) => c.notNull())
        .addColumn('enqueued_at', 'bigint', (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('schedule_state')
        .addColumn('job_id', 'text', (c) => c.notNull().references('jobs.id').onDelete('cascade'))
        .addColumn('trigger_key', 'text', (c) => c.notNull())
        .addColumn('last_due', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('schedule_state_pk', ['job_id', 'trigger_key'])
        .execute();

      await db.schema
        .createTable('runners')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull().unique())
        .addColumn('token_hash', 'text', (c) => c.notNull().unique())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('last_seen_at', 'bigint')
        .addColumn('disabled', 'integer', (c) => c.notNull().defaultTo(0))
        .execute();
    },
  };
}
