import { sql, type Kysely, type Selectable } from 'kysely';
import type { JobChange, JobVersion, JobVersionStore } from '../ports.ts';
import type { Database, JobVersionRow } from '../schema.ts';

/** SQL JobVersionStore. */
export class SqlJobVersionStore implements JobVersionStore {
  constructor(private readonly db: Kysely<Database>) {}

  async add(version: Omit<JobVersion, 'number'>): Promise<number> {
    // The next number in the insert itself; the change updated the job row first (its lock on
    // PostgreSQL, the one writer on SQLite), so two changes of one job never read the same max.
    const row = await sql<{ number: number }>`
      insert into job_versions (job_id, number, update_type, user_id, config, created_at)
      select ${version.jobId}, coalesce(max(number), 0) + 1, ${version.change}, ${version.userId},
        ${version.config}, ${version.createdAt}
      from job_versions where job_id = ${version.jobId}
      returning number`.execute(this.db);
    return Number(row.rows[0]!.number);
  }

  async list(jobId: string, limit: number, offset: number): Promise<{ items: JobVersion[]; total: number }> {
    const q = this.db.selectFrom('job_versions').where('job_id', '=', jobId);
    const [rows, count] = await Promise.all([
      q.selectAll().orderBy('number', 'desc').limit(limit).offset(offset).execute(),
      q.select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow(),
    ]);
    return { items: rows.map(toJobVersion), total: Number(count.n) };
  }

  async find(jobId: string, number: number): Promise<JobVersion | undefined> {
    const row = await this.db
      .selectFrom('job_versions')
      .selectAll()
      .where('job_id', '=', jobId)
      .where('number', '=', number)
      .executeTakeFirst();
    return row && toJobVersion(row);
  }

  async listUnsealed(): Promise<JobVersion[]> {
    const rows = await this.db
      .selectFrom('job_versions')
      .selectAll()
      .where('config', 'not like', '%"kiln_sealed"%')
      .where((eb) => eb.or([eb('config', 'like', '%"sensitiveVar"%'), eb('config', 'like', '%://%@%')]))
      .execute();
    return rows.map(toJobVersion);
  }

  async replaceConfig(jobId: string, number: number, from: string, to: string): Promise<boolean> {
    const result = await this.db
      .updateTable('job_versions')
      .set({ config: to })
      .where('job_id', '=', jobId)
      .where('number', '=', number)
      .where('config', '=', from)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }
}

function toJobVersion(row: Selectable<JobVersionRow>): JobVersion {
  return {
    jobId: row.job_id,
    number: Number(row.number),
    change: row.update_type as JobChange,
    userId: row.user_id,
    config: row.config,
    createdAt: Number(row.created_at),
  };
}
