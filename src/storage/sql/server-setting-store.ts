import type { Kysely } from 'kysely';
import type { SealedSample, ServerSettingStore } from '../ports.ts';
import type { Database } from '../schema.ts';

/** SQL ServerSettingStore. */
export class SqlServerSettingStore implements ServerSettingStore {
  constructor(private readonly db: Kysely<Database>) {}

  async get(key: string): Promise<string | undefined> {
    const row = await this.db
      .selectFrom('server_settings')
      .select('value')
      .where('key', '=', key)
      .executeTakeFirst();
    return row?.value;
  }

  async putIfAbsent(key: string, value: string, now: number): Promise<string> {
    await this.db
      .insertInto('server_settings')
      .values({ key, value, updated_at: now })
      .onConflict((oc) => oc.column('key').doNothing())
      .execute();
    const stored = await this.get(key);
    if (stored === undefined) throw new Error(`server setting ${key} was not stored`);
    return stored;
  }

  async put(key: string, value: string, now: number): Promise<void> {
    await this.db
      .insertInto('server_settings')
      .values({ key, value, updated_at: now })
      .onConflict((oc) => oc.column('key').doUpdateSet({ value, updated_at: now }))
      .execute();
  }

  async sealedSample(): Promise<SealedSample | undefined> {
    const job = await this.db
      .selectFrom('jobs')
      .select('webhook_secret_enc as text')
      .where('webhook_secret_enc', 'like', 'v1.%')
      .limit(1)
      .executeTakeFirst();
    if (job) return job;
    const key = await this.db
      .selectFrom('access_keys')
      .select('secret_enc as text')
      .limit(1)
      .executeTakeFirst();
    if (key) return key;
    const notice = await this.db
      .selectFrom('job_notices')
      .select('param_config_enc as text')
      .where('param_config_enc', 'is not', null)
      .limit(1)
      .executeTakeFirst();
    if (notice?.text) return { text: notice.text };
    const file = await this.db.selectFrom('keystores').select('content as bytes').limit(1).executeTakeFirst();
    return file ?? undefined;
  }
}
