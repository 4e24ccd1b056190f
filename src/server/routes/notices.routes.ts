import type { HandlerGroup, RouteDeps } from './deps.ts';
import { ok } from './deps.ts';

/** Job notifications: the CodeArts notice operations, delivery history, test button, watching, inbox. */
export function noticeHandlers(
  deps: RouteDeps,
): HandlerGroup<
  | 'listNotice'
  | 'updateNotice'
  | 'disableNotice'
  | 'showJobNoticeConfigInfo'
  | 'updateNewNoticeNew'
  | 'listJobNotifications'
  | 'testJobNotice'
  | 'showJobWatch'
  | 'updateJobWatch'
  | 'listInbox'
  | 'markInboxRead'
  | 'showMyNotifications'
  | 'updateMyNotifications'
> {
  const { notices } = deps.engine;
  const list = async (caller: Parameters<typeof notices.list>[0], jobId: string) =>
    ok(
      (await notices.list(caller, jobId)).map((n) => ({
        notice_type: n.type,
        enable_map: n.enableMap,
        param_config: n.paramConfig,
      })),
    );
  return {
    listNotice: ({ caller, params }) => list(caller, params.job_id),
    showJobNoticeConfigInfo: ({ caller, params }) => list(caller, params.job_id),
    async updateNotice({ caller, params, body }) {
      await notices.update(caller, params.job_id, body);
      return ok({ job_id: params.job_id });
    },
    async updateNewNoticeNew({ caller, params, body }) {
      await notices.update(caller, params.job_id, body);
      return ok({ job_id: params.job_id });
    },
    async disableNotice({ caller, params, query }) {
      await notices.disable(caller, params.job_id, query.notice_type);
      return ok({ job_id: params.job_id });
    },
    async listJobNotifications({ caller, params, query }) {
      const page = { offset: query.offset ?? 0, limit: query.limit ?? 20 };
      const { items, total } = await notices.deliveries(caller, params.job_id, page);
      return ok({
        total,
        notifications: items.map((n) => ({
          id: n.id,
          notice_type: n.channel,
          event: n.event,
          title: n.title,
          state: n.state,
          created_at: n.createdAt,
          next_attempt_at: n.state === 'pending' ? n.nextAt : null,
          ended_at: n.endedAt,
          last_error: n.lastError,
          attempts: n.tries.map((t) => ({
            attempt: t.attempt,
            at: t.at,
            duration_ms: t.durationMs,
            server: t.server,
            ok: t.ok,
            status_code: t.statusCode,
            error: t.error,
          })),
        })),
      });
    },
    async testJobNotice({ caller, params, body }) {
      const r = await notices.test(caller, params.job_id, body.notice_type);
      return ok({ ok: r.ok, status_code: r.statusCode, error: r.error });
    },
    async showJobWatch({ caller, params }) {
      return ok({ watching: await notices.watching(caller, params.job_id) });
    },
    async updateJobWatch({ caller, params, body }) {
      return ok({ watching: await notices.setWatching(caller, params.job_id, body.watching) });
    },
    async listInbox({ caller, query }) {
      const page = {
        unreadOnly: query.unread_only === 'true',
        offset: query.offset ?? 0,
        limit: query.limit ?? 20,
      };
      const inbox = await notices.inbox(caller, page);
      return ok({
        total: inbox.total,
        unread: inbox.unread,
        messages: inbox.items.map((m) => ({
          id: m.id,
          job_id: m.jobId,
          event: m.event,
          title: m.title,
          text: m.text,
          url: m.link,
          created_at: m.createdAt,
          read: m.readAt !== null,
        })),
      });
    },
    async showMyNotifications({ caller }) {
      return ok(await notices.mySettings(caller));
    },
    async updateMyNotifications({ caller, body }) {
      return ok(await notices.setMyEmail(caller, body.email));
    },
    async markInboxRead({ caller, body }) {
      return ok({ marked: await notices.markRead(caller, body.ids) });
    },
  };
}
