import type { Kysely } from 'kysely';
import type { AccessKeyRecord, AccessKeyStore } from '../ports.ts';
import type { Database } from '../schema.ts';
import { toAccessKey } from './mappers.ts';

/** SQL AccessKeyStore. */
export class SqlAccessKeyStore implements AccessKeyStore {
  constructor(private readonly db: Kysely<Database>) {}

  async insert(k: AccessKeyRecord): Promise<void> {
    await this.db
      .insertInto('access_keys')
      .values({
        ak: k.ak,
        user_id: k.userId,
        secret_enc: k.secretEnc,
        description: k.description,
        status: k.status,
        created_at: k.createdAt,
        last_used_at: k.lastUsedAt,
      })
      .execute();
  }
  async findByAk(ak: string): Promise<AccessKeyRecord | undefined> {
    const row = await this.db.selectFrom('access_keys').selectAll().where('ak', '=', ak).executeTakeFirst();
    return row && toAccessKey(row);
  }
  async listByUser(userId: string): Promise<AccessKeyRecord[]> {
    const rows = await this.db
      .selectFrom('access_keys')
      .selectAll()
      .where('user_id', '=', userId)
      .orderBy('created_at')
      .execute();
    return rows.map(toAccessKey);
  }
  async setStatus(ak: string, status: 'active' | 'disabled'): Promise<boolean> {
    const r = await this.db
      .updateTable('access_keys')
      .set({ status })
      .where('ak', '=', ak)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  }
  async delete(ak: string): Promise<boolean> {
    const r = await this.db.deleteFrom('access_keys').where('ak', '=', ak).executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }
  async touch(ak: string, now: number): Promise<void> {
    await this.db.updateTable('access_keys').set({ last_used_at: now }).where('ak', '=', ak).execute();
  }
}
