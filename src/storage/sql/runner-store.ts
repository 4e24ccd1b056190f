import type { Kysely } from 'kysely';
import type { RunnerRecord, RunnerStore, RunnerToolsRecord } from '../ports.ts';
import type { Database } from '../schema.ts';
import { toRunner, toRunnerTools } from './mappers.ts';

/** SQL RunnerStore. */
export class SqlRunnerStore implements RunnerStore {
  constructor(private readonly db: Kysely<Database>) {}

  async insert(r: RunnerRecord): Promise<void> {
    await this.db
      .insertInto('runners')
      .values({
        id: r.id,
        name: r.name,
        token_hash: r.tokenHash,
        created_at: r.createdAt,
        last_seen_at: r.lastSeenAt,
        disabled: r.disabled ? 1 : 0,
      })
      .execute();
  }
  async findById(id: string): Promise<RunnerRecord | undefined> {
    const row = await this.db.selectFrom('runners').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toRunner(row);
  }
  async findByTokenHash(hash: string): Promise<RunnerRecord | undefined> {
    const row = await this.db
      .selectFrom('runners')
      .selectAll()
      .where('token_hash', '=', hash)
      .executeTakeFirst();
    return row && toRunner(row);
  }
  async list(): Promise<RunnerRecord[]> {
    return (await this.db.selectFrom('runners').selectAll().orderBy('name').execute()).map(toRunner);
  }
  async setDisabled(id: string, disabled: boolean): Promise<boolean> {
    const r = await this.db
      .updateTable('runners')
      .set({ disabled: disabled ? 1 : 0 })
      .where('id', '=', id)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  }
  async delete(id: string): Promise<boolean> {
    const r = await this.db.deleteFrom('runners').where('id', '=', id).executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }
  async touch(id: string, now: number): Promise<void> {
    await this.db.updateTable('runners').set({ last_seen_at: now }).where('id', '=', id).execute();
  }
  async putTools(r: RunnerToolsRecord): Promise<void> {
    const values = {
      host: r.host,
      tools: JSON.stringify(r.tools),
      arch: r.arch ?? null,
      pool: r.pool ?? null,
      reported_at: r.reportedAt,
    };
    await this.db
      .insertInto('runner_tools')
      .values({ runner_id: r.runnerId, ...values })
      .onConflict((oc) => oc.column('runner_id').doUpdateSet(values))
      .execute();
  }
  async listTools(): Promise<RunnerToolsRecord[]> {
    return (await this.db.selectFrom('runner_tools').selectAll().orderBy('runner_id').execute()).map(
      toRunnerTools,
    );
  }
  async deleteTools(runnerId: string): Promise<void> {
    await this.db.deleteFrom('runner_tools').where('runner_id', '=', runnerId).execute();
  }
}
