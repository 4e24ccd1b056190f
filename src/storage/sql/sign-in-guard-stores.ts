import { sql, type Kysely, type RawBuilder } from 'kysely';
import { doublingsToCap, lockDelayMs, type BackoffPolicy } from '../../domain/login-throttle.ts';
import type { LoginThrottleStore, ThrottleVerdict, UsedSignatureStore } from '../ports.ts';
import type { Database } from '../schema.ts';

/** `policy`'s wait after `attempts` attempts, as SQL (lockDelayMs; `<<` works on both engines). */
function delaySql(policy: BackoffPolicy, attempts: RawBuilder<number>): RawBuilder<number> {
  const over = sql<number>`(${attempts} - ${policy.free})`;
  return sql<number>`case
    when ${over} < 0 then 0
    when ${over} >= ${doublingsToCap(policy)} then cast(${policy.capMs} as bigint)
    else cast(${policy.baseMs} as bigint) * (1 << ${over}) end`;
}

/** SQL LoginThrottleStore. */
export class SqlLoginThrottleStore implements LoginThrottleStore {
  constructor(private readonly db: Kysely<Database>) {}

  async admit(key: string, now: number, policy: BackoffPolicy): Promise<ThrottleVerdict> {
    // The whole decision is this one upsert: the WHERE refuses a locked counter, and the row lock
    // both engines take on conflict makes concurrent attempts count one after another.
    const attempts = sql<number>`(case when login_throttles.last_at <= cast(${now - policy.idleResetMs} as bigint)
      then 1 else login_throttles.attempts + 1 end)`;
    const { rows } = await sql<{ attempts: number | string; locked_until: number | string }>`
      insert into login_throttles (key, attempts, locked_until, last_at)
      values (${key}, 1, cast(${now + lockDelayMs(policy, 1)} as bigint), cast(${now} as bigint))
      on conflict (key) do update set
        attempts = ${attempts},
        locked_until = cast(${now} as bigint) + ${delaySql(policy, attempts)},
        last_at = cast(${now} as bigint)
      where login_throttles.locked_until <= cast(${now} as bigint)
      returning attempts, locked_until`.execute(this.db);
    const row = rows[0];
    if (row) return { admitted: true, attempts: Number(row.attempts), lockedUntil: Number(row.locked_until) };
    const locked = await this.db
      .selectFrom('login_throttles')
      .select('locked_until')
      .where('key', '=', key)
      .executeTakeFirst();
    return { admitted: false, lockedUntil: Number(locked?.locked_until ?? now) };
  }

  async forgive(key: string, policy: BackoffPolicy): Promise<void> {
    await sql`update login_throttles set
        attempts = attempts - 1,
        locked_until = case when attempts - 1 < ${policy.free} then 0 else locked_until end
      where key = ${key} and attempts > 0`.execute(this.db);
  }

  async clear(key: string): Promise<void> {
    await this.db.deleteFrom('login_throttles').where('key', '=', key).execute();
  }

  async deleteIdle(before: number): Promise<number> {
    const r = await this.db.deleteFrom('login_throttles').where('last_at', '<', before).executeTakeFirst();
    return Number(r.numDeletedRows);
  }
}

/** SQL UsedSignatureStore. */
export class SqlUsedSignatureStore implements UsedSignatureStore {
  constructor(private readonly db: Kysely<Database>) {}

  async remember(signature: string, expiresAt: number): Promise<boolean> {
    // On conflict nothing is inserted: the second server (or request) to record it learns it was used.
    const r = await this.db
      .insertInto('used_signatures')
      .values({ signature, expires_at: expiresAt })
      .onConflict((oc) => oc.column('signature').doNothing())
      .executeTakeFirst();
    return Number(r.numInsertedOrUpdatedRows ?? 0) > 0;
  }

  async deleteExpired(before: number): Promise<number> {
    const r = await this.db.deleteFrom('used_signatures').where('expires_at', '<', before).executeTakeFirst();
    return Number(r.numDeletedRows);
  }
}
