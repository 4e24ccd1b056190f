import { sql, type Kysely, type Selectable } from 'kysely';
import type { NoticeEvent, NoticeType, SentType } from '../../domain/notices.ts';
import type {
  InboxMessage,
  NoticeSettingRecord,
  NoticeStore,
  NotificationAttempt,
  NotificationRecord,
  NotificationState,
  Viewer,
} from '../ports.ts';
import type { Database, NotificationRow } from '../schema.ts';
import { mayView } from './job-visibility.ts';

function toNotification(r: Selectable<NotificationRow>): NotificationRecord {
  return {
    id: r.id,
    jobId: r.job_id,
    channel: r.channel as SentType,
    event: r.event as NoticeEvent,
    payload: r.payload,
    state: r.state as NotificationState,
    attempts: Number(r.attempts),
    createdAt: Number(r.created_at),
    nextAt: Number(r.next_at),
    endedAt: r.ended_at === null ? null : Number(r.ended_at),
    lastError: r.last_error,
  };
}

/**
 * SQL NoticeStore. The outbox's claim is one UPDATE of the due rows it picks; on PostgreSQL the
 * pick locks them FOR UPDATE SKIP LOCKED, so two servers claiming at once take different rows and
 * neither waits (on SQLite the claiming statement is the only writer).
 */
export class SqlNoticeStore implements NoticeStore {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly skipLocked: boolean,
  ) {}

  async settings(jobId: string): Promise<NoticeSettingRecord[]> {
    const rows = await this.db.selectFrom('job_notices').selectAll().where('job_id', '=', jobId).execute();
    return rows.map((r) => ({
      jobId: r.job_id,
      type: r.notice_type as NoticeType,
      events: JSON.parse(r.events) as NoticeEvent[],
      onlyOnChange: Number(r.only_on_change) === 1,
      paramConfigEnc: r.param_config_enc,
      updatedAt: Number(r.updated_at),
    }));
  }

  async putSetting(s: NoticeSettingRecord): Promise<void> {
    const values = {
      events: JSON.stringify(s.events),
      only_on_change: s.onlyOnChange ? 1 : 0,
      param_config_enc: s.paramConfigEnc,
      updated_at: s.updatedAt,
    };
    await this.db
      .insertInto('job_notices')
      .values({ job_id: s.jobId, notice_type: s.type, ...values })
      .onConflict((oc) => oc.columns(['job_id', 'notice_type']).doUpdateSet(values))
      .execute();
  }

  async watchers(jobId: string): Promise<string[]> {
    const rows = await this.db
      .selectFrom('job_watchers')
      .select('user_id')
      .where('job_id', '=', jobId)
      .orderBy('created_at')
      .execute();
    return rows.map((r) => r.user_id);
  }

  async isWatching(jobId: string, userId: string): Promise<boolean> {
    const row = await this.db
      .selectFrom('job_watchers')
      .select('user_id')
      .where('job_id', '=', jobId)
      .where('user_id', '=', userId)
      .executeTakeFirst();
    return row !== undefined;
  }

  async setWatching(jobId: string, userId: string, watching: boolean, now: number): Promise<void> {
    if (!watching) {
      await this.db
        .deleteFrom('job_watchers')
        .where('job_id', '=', jobId)
        .where('user_id', '=', userId)
        .execute();
      return;
    }
    await this.db
      .insertInto('job_watchers')
      .values({ job_id: jobId, user_id: userId, created_at: now })
      .onConflict((oc) => oc.columns(['job_id', 'user_id']).doNothing())
      .execute();
  }

  async emails(userIds: readonly string[]): Promise<Map<string, string>> {
    if (userIds.length === 0) return new Map();
    const rows = await this.db
      .selectFrom('user_notice_settings')
      .select(['user_id', 'email'])
      .where('user_id', 'in', userIds)
      .execute();
    return new Map(rows.map((r) => [r.user_id, r.email]));
  }

  async setEmail(userId: string, email: string | null, now: number): Promise<void> {
    if (email === null) {
      await this.db.deleteFrom('user_notice_settings').where('user_id', '=', userId).execute();
      return;
    }
    await this.db
      .insertInto('user_notice_settings')
      .values({ user_id: userId, email, updated_at: now })
      .onConflict((oc) => oc.column('user_id').doUpdateSet({ email, updated_at: now }))
      .execute();
  }

  async enqueue(notifications: NotificationRecord[]): Promise<void> {
    if (notifications.length === 0) return;
    await this.db
      .insertInto('notifications')
      .values(
        notifications.map((n) => ({
          id: n.id,
          job_id: n.jobId,
          channel: n.channel,
          event: n.event,
          payload: n.payload,
          state: n.state,
          attempts: n.attempts,
          created_at: n.createdAt,
          next_at: n.nextAt,
          claimed_by: null,
          claimed_until: null,
          ended_at: n.endedAt,
          last_error: n.lastError,
        })),
      )
      .execute();
  }

  async addToInbox(messages: InboxMessage[]): Promise<void> {
    if (messages.length === 0) return;
    await this.db
      .insertInto('inbox_messages')
      .values(
        messages.map((m) => ({
          id: m.id,
          user_id: m.userId,
          job_id: m.jobId,
          event: m.event,
          payload: m.payload,
          created_at: m.createdAt,
          read_at: m.readAt,
        })),
      )
      .execute();
  }

  async claimDue(
    now: number,
    server: string,
    leaseUntil: number,
    limit: number,
  ): Promise<NotificationRecord[]> {
    // The pick is a materialized CTE, run once: as a plain IN subquery PostgreSQL may run it again
    // for each row it updates, and with SKIP LOCKED each run picks other rows, past the limit.
    const { rows } = await sql<Selectable<NotificationRow>>`
      with picked as materialized (
        select id from notifications
        where state = 'pending' and next_at <= ${now}
          and (claimed_until is null or claimed_until < ${now})
        order by next_at limit ${limit}${this.skipLocked ? sql` for update skip locked` : sql``}
      )
      update notifications
      set claimed_by = ${server}, claimed_until = ${leaseUntil}, attempts = attempts + 1
      where id in (select id from picked)
        and state = 'pending' and (claimed_until is null or claimed_until < ${now})
      returning *`.execute(this.db);
    return rows.map(toNotification).sort((a, b) => a.nextAt - b.nextAt);
  }

  async releaseClaims(server: string): Promise<number> {
    const r = await this.db
      .updateTable('notifications')
      .set({ claimed_by: null, claimed_until: null })
      .where('claimed_by', '=', server)
      .where('state', '=', 'pending')
      .executeTakeFirst();
    return Number(r.numUpdatedRows);
  }

  async recordAttempt(
    a: NotificationAttempt,
    next: { state: NotificationState; nextAt: number; lastError: string },
  ): Promise<boolean> {
    const held = await this.db
      .updateTable('notifications')
      .set({
        state: next.state,
        next_at: next.nextAt,
        last_error: next.lastError,
        claimed_by: null,
        claimed_until: null,
        ended_at: next.state === 'pending' ? null : a.at + a.durationMs,
      })
      .where('id', '=', a.notificationId)
      .where('claimed_by', '=', a.server)
      .where('state', '=', 'pending')
      .executeTakeFirst();
    if (Number(held.numUpdatedRows) === 0) return false;
    await this.db
      .insertInto('notification_attempts')
      .values({
        notification_id: a.notificationId,
        attempt: a.attempt,
        at: a.at,
        ok: a.ok ? 1 : 0,
        status_code: a.statusCode,
        error: a.error,
        duration_ms: a.durationMs,
        server: a.server,
      })
      .onConflict((oc) => oc.columns(['notification_id', 'attempt']).doNothing())
      .execute();
    return true;
  }

  async listByJob(
    jobId: string,
    limit: number,
    offset: number,
  ): Promise<{ items: NotificationRecord[]; total: number }> {
    const rows = await this.db
      .selectFrom('notifications')
      .selectAll()
      .where('job_id', '=', jobId)
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .limit(limit)
      .offset(offset)
      .execute();
    const count = await this.db
      .selectFrom('notifications')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('job_id', '=', jobId)
      .executeTakeFirstOrThrow();
    return { items: rows.map(toNotification), total: Number(count.n) };
  }

  async attempts(notificationIds: readonly string[]): Promise<NotificationAttempt[]> {
    if (notificationIds.length === 0) return [];
    const rows = await this.db
      .selectFrom('notification_attempts')
      .selectAll()
      .where('notification_id', 'in', notificationIds)
      .orderBy('notification_id')
      .orderBy('attempt')
      .execute();
    return rows.map((r) => ({
      notificationId: r.notification_id,
      attempt: Number(r.attempt),
      at: Number(r.at),
      ok: Number(r.ok) === 1,
      statusCode: r.status_code === null ? null : Number(r.status_code),
      error: r.error,
      durationMs: Number(r.duration_ms),
      server: r.server,
    }));
  }

  /**
   * The viewer's messages of the jobs they may still view, as the jobs list decides it (mayView):
   * one join, so a page and its counts are one statement each whatever the inbox holds. A message
   * of a job hidden from them (its matrix, the project left) is kept, not shown: it is back if the
   * view is. A job in the recycle bin keeps its messages (its "was deleted" one first of all); one
   * being deleted for good has none.
   */
  private visibleInbox(viewer: Viewer) {
    return this.db
      .selectFrom('inbox_messages')
      .innerJoin('jobs', 'jobs.id', 'inbox_messages.job_id')
      .innerJoin('projects', 'projects.id', 'jobs.project_id')
      .leftJoin('project_members as member', (join) =>
        join.onRef('member.project_id', '=', 'jobs.project_id').on('member.user_id', '=', viewer.userId),
      )
      .where('inbox_messages.user_id', '=', viewer.userId)
      .where('jobs.purge_requested', '=', 0)
      .where('projects.domain_id', '=', viewer.domainId)
      .where(mayView(viewer));
  }

  async inbox(
    viewer: Viewer,
    page: { unreadOnly: boolean; limit: number; offset: number },
  ): Promise<{ items: InboxMessage[]; total: number; unread: number }> {
    let q = this.visibleInbox(viewer);
    if (page.unreadOnly) q = q.where('inbox_messages.read_at', 'is', null);
    const rows = await q
      .selectAll('inbox_messages')
      .orderBy('inbox_messages.created_at', 'desc')
      .orderBy('inbox_messages.id', 'desc')
      .limit(page.limit)
      .offset(page.offset)
      .execute();
    const counts = await this.visibleInbox(viewer)
      .select((eb) => [
        eb.fn.countAll<number>().as('total'),
        eb.fn
          .count<number>('inbox_messages.id')
          .filterWhere('inbox_messages.read_at', 'is', null)
          .as('unread'),
      ])
      .executeTakeFirstOrThrow();
    return {
      items: rows.map((r) => ({
        id: r.id,
        userId: r.user_id,
        jobId: r.job_id,
        event: r.event as NoticeEvent,
        payload: r.payload,
        createdAt: Number(r.created_at),
        readAt: r.read_at === null ? null : Number(r.read_at),
      })),
      total: Number(page.unreadOnly ? counts.unread : counts.total),
      unread: Number(counts.unread),
    };
  }

  async markRead(viewer: Viewer, ids: readonly string[] | undefined, now: number): Promise<number> {
    if (ids !== undefined && ids.length === 0) return 0;
    // Only what the inbox shows: a hidden message that comes back is as unread as it was.
    let shown = this.visibleInbox(viewer).select('inbox_messages.id');
    if (ids !== undefined) shown = shown.where('inbox_messages.id', 'in', ids);
    const r = await this.db
      .updateTable('inbox_messages')
      .set({ read_at: now })
      .where('user_id', '=', viewer.userId)
      .where('read_at', 'is', null)
      .where('id', 'in', shown)
      .executeTakeFirst();
    return Number(r.numUpdatedRows);
  }

  async purgeInbox(before: number): Promise<number> {
    const r = await this.db.deleteFrom('inbox_messages').where('created_at', '<', before).executeTakeFirst();
    return Number(r.numDeletedRows);
  }

  async purgeEnded(before: number): Promise<number> {
    const r = await this.db
      .deleteFrom('notifications')
      .where('state', '!=', 'pending')
      .where('ended_at', '<', before)
      .executeTakeFirst();
    return Number(r.numDeletedRows);
  }
}
