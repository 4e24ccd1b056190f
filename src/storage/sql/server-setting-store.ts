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
    // The latest written of each kind, and of those the latest: after an earlier change of key,
    // older rows may still be sealed with the key given up (a job not saved since), while what was
    // written last was sealed with the key in use. Only what has a sealed text's form is read.
    const job = await this.db
      .selectFrom('jobs')
      .select(['webhook_secret_enc as text', 'updated_at as at'])
      .where('webhook_secret_enc', 'like', 'v1.%')
      .orderBy('updated_at', 'desc')
      .limit(1)
      .executeTakeFirst();
    const key = await this.db
      .selectFrom('access_keys')
      .select(['secret_enc as text', 'created_at as at'])
      .where('secret_enc', 'like', 'v1.%')
      .orderBy('created_at', 'desc')
      .limit(1)
      .executeTakeFirst();
    const notice = await this.db
      .selectFrom('job_notices')
      .select(['param_config_enc as text', 'updated_at as at'])
      .where('param_config_enc', 'like', 'v1.%')
      .orderBy('updated_at', 'desc')
      .limit(1)
      .executeTakeFirst();
    const file = await this.db
      .selectFrom('keystores')
      .select(['content as bytes', 'updated_at as at'])
      .orderBy('updated_at', 'desc')
      .limit(1)
      .executeTakeFirst();
    const found: (SealedSample & { at: number })[] = [];
    if (job) found.push(job);
    if (key) found.push(key);
    if (notice?.text) found.push({ text: notice.text, at: notice.at });
    if (file) found.push(file);
    const latest = found.sort((a, b) => Number(b.at) - Number(a.at))[0];
    if (latest === undefined) return undefined;
    return 'text' in latest ? { text: latest.text } : { bytes: latest.bytes };
  }
}
