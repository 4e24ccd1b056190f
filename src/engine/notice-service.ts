import type { Clock } from '../domain/clock.ts';
import { AppError, invalidParam } from '../domain/errors.ts';
import type { Principal } from '../domain/identity.ts';
import { newId32 } from '../domain/ids.ts';
import { noticeLink, noticeText, noticeTitle } from '../domain/notice-messages.ts';
import {
  emailProblem,
  enableMap,
  isNoticeType,
  NOTICE_TYPES,
  parseEvents,
  parseParamConfig,
  type NoticeEvent,
  type NoticePayload,
  type NoticeType,
  type ParamConfig,
} from '../domain/notices.ts';
import type {
  InboxMessage,
  NoticeSettingRecord,
  NotificationAttempt,
  NotificationRecord,
  Storage,
} from '../storage/ports.ts';
import { requireJob, viewerOf } from './access.ts';
import type { Delivery } from './notice-channels.ts';
import type { NoticeSender } from './notice-sender.ts';
import type { SecretBox } from './secret-box.ts';

/** A channel as ListNotice shows it. */
export interface NoticeView {
  type: NoticeType;
  enableMap: Record<NoticeEvent, boolean>;
  /** The channel's param_config, only to those who may modify the job (it holds secrets); null else or when unset. */
  paramConfig: string | null;
}

/** UpdateNotice's body, as CodeArts names its fields. */
export interface NoticeUpdate {
  notice_type: string;
  enabled_event_type_names: string[];
  send_switch?: string | undefined;
  param_config?: string | undefined;
}

/** A notification with its attempts, for the delivery history. */
export interface NotificationView extends NotificationRecord {
  title: string;
  tries: NotificationAttempt[];
}

/** An inbox message, as its reader sees it. */
export interface InboxView extends InboxMessage {
  title: string;
  text: string;
  link: string;
}

/**
 * A job's notification settings (the CodeArts notice operations), its delivery history, the test
 * button, who watches it, and users' inboxes. Settings are read by whoever may view the job and
 * changed by whoever may modify it; their param_config is sealed and shown only to the latter.
 */
export class NoticeService {
  constructor(
    private readonly storage: Storage,
    private readonly clock: Clock,
    private readonly secrets: SecretBox,
    private readonly sender: NoticeSender,
    private readonly linkBase: () => string,
  ) {}

  async list(caller: Principal, jobId: string): Promise<NoticeView[]> {
    const { permissions } = await requireJob(this.storage, caller, jobId, 'view');
    const stored = await this.storage.notices.settings(jobId);
    return NOTICE_TYPES.map((type) => {
      const s = stored.find((x) => x.type === type);
      return {
        type,
        enableMap: enableMap(s?.events ?? []),
        paramConfig: permissions.modify && s?.paramConfigEnc ? this.secrets.open(s.paramConfigEnc) : null,
      };
    });
  }

  /**
   * UpdateNotice: the channel is sent for exactly these events (send_switch "false" turns it off);
   * a param_config given replaces the stored one, one left out keeps it.
   */
  async update(caller: Principal, jobId: string, body: NoticeUpdate): Promise<void> {
    const type = noticeType(body.notice_type);
    const parsed = parseEvents(body.enabled_event_type_names);
    if ('error' in parsed) throw invalidParam(parsed.error);
    const events = sendSwitch(body.send_switch) ? parsed : [];
    await requireJob(this.storage, caller, jobId, 'modify');
    await this.changeSetting(jobId, type, (stored) => {
      const text =
        body.param_config ?? (stored?.paramConfigEnc ? this.secrets.open(stored.paramConfigEnc) : undefined);
      const config = parseParamConfig(type, text, events.length > 0);
      if ('error' in config) throw invalidParam(config.error);
      return {
        events,
        onlyOnChange: config.only_on_change === true,
        paramConfigEnc: text !== undefined && text.trim() !== '' ? this.secrets.seal(text) : null,
      };
    });
  }

  /** DisableNotice: the channel is sent for nothing; its param_config stays for when it is turned on again. */
  async disable(caller: Principal, jobId: string, noticeTypeName: string): Promise<void> {
    const type = noticeType(noticeTypeName);
    await requireJob(this.storage, caller, jobId, 'modify');
    await this.changeSetting(jobId, type, (stored) => ({
      events: [],
      onlyOnChange: stored?.onlyOnChange ?? false,
      paramConfigEnc: stored?.paramConfigEnc ?? null,
    }));
  }

  /**
   * A channel's setting made from the one stored, read and written with the job's row locked: two
   * changes at once (a disable and an update, on two servers) take turns, and neither writes back
   * what the other replaced (a lost update). A job deleted meanwhile is not found.
   */
  private async changeSetting(
    jobId: string,
    type: NoticeType,
    change: (
      stored: NoticeSettingRecord | undefined,
    ) => Pick<NoticeSettingRecord, 'events' | 'onlyOnChange' | 'paramConfigEnc'>,
  ): Promise<void> {
    await this.storage.transaction(async (tx) => {
      if (!(await tx.jobs.lockLive(jobId))) throw new AppError('JOB_NOT_FOUND', 'job not found');
      const stored = (await tx.notices.settings(jobId)).find((s) => s.type === type);
      await tx.notices.putSetting({ jobId, type, ...change(stored), updatedAt: this.clock.now() });
    });
  }

  /** The job's notifications, newest first, each with its attempts. */
  async deliveries(
    caller: Principal,
    jobId: string,
    page: { offset: number; limit: number },
  ): Promise<{ items: NotificationView[]; total: number }> {
    await requireJob(this.storage, caller, jobId, 'view');
    const { items, total } = await this.storage.notices.listByJob(jobId, page.limit, page.offset);
    const tries = await this.storage.notices.attempts(items.map((n) => n.id));
    return {
      total,
      items: items.map((n) => ({
        ...n,
        title: noticeTitle(JSON.parse(n.payload) as NoticePayload),
        tries: tries.filter((t) => t.notificationId === n.id),
      })),
    };
  }

  /**
   * Sends a test notification over the channel with the settings stored, now, and says what came
   * of it (nothing is written to the outbox; a MESSAGE test lands in the caller's inbox).
   */
  async test(caller: Principal, jobId: string, noticeTypeName: string): Promise<Delivery> {
    const type = noticeType(noticeTypeName);
    const { job } = await requireJob(this.storage, caller, jobId, 'modify');
    const now = this.clock.now();
    const payload: NoticePayload = {
      event: 'buildJobSuccess',
      at: now,
      job: { id: job.id, name: job.name, projectId: job.projectId },
      actor: caller.user.name,
      test: true,
      recipients: [caller.user.id], // a MAIL test goes to who asked for it
    };
    if (type === 'MESSAGE') {
      const message = {
        id: newId32(),
        userId: caller.user.id,
        jobId,
        event: payload.event,
        createdAt: now,
        readAt: null,
      };
      await this.storage.notices.addToInbox([{ ...message, payload: JSON.stringify(payload) }]);
      return { ok: true, statusCode: null, error: '' };
    }
    const stored = (await this.storage.notices.settings(jobId)).find((s) => s.type === type);
    const config: ParamConfig = stored?.paramConfigEnc
      ? (JSON.parse(this.secrets.open(stored.paramConfigEnc)) as ParamConfig)
      : {};
    return this.sender.sendNow(newId32(), type, config, payload, now);
  }

  /** Whether the caller hears of the job besides its creator (inbox, mail). */
  async watching(caller: Principal, jobId: string): Promise<boolean> {
    const { job } = await requireJob(this.storage, caller, jobId, 'view');
    return job.creatorId === caller.user.id || (await this.storage.notices.isWatching(jobId, caller.user.id));
  }

  async setWatching(caller: Principal, jobId: string, watching: boolean): Promise<boolean> {
    await requireJob(this.storage, caller, jobId, 'view');
    await this.storage.notices.setWatching(jobId, caller.user.id, watching, this.clock.now());
    return this.watching(caller, jobId);
  }

  /**
   * A page of the caller's inbox: the messages of the jobs they may view now (docs/notifications.md),
   * as the storage picks them in the query itself, so a page costs the same whatever is hidden.
   */
  async inbox(
    caller: Principal,
    page: { unreadOnly: boolean; offset: number; limit: number },
  ): Promise<{ items: InboxView[]; total: number; unread: number }> {
    const found = await this.storage.notices.inbox(viewerOf(caller), page);
    const base = this.linkBase();
    return {
      ...found,
      items: found.items.map((m) => {
        const payload = JSON.parse(m.payload) as NoticePayload;
        const link = noticeLink(base, payload);
        return { ...m, title: noticeTitle(payload), text: noticeText(payload, link), link };
      }),
    };
  }

  /** Where the caller's notification mail goes, and how many of their messages are unread. */
  async mySettings(caller: Principal): Promise<{ email: string | null; unread: number }> {
    const emails = await this.storage.notices.emails([caller.user.id]);
    const { unread } = await this.storage.notices.inbox(viewerOf(caller), {
      unreadOnly: true,
      limit: 1,
      offset: 0,
    });
    return { email: emails.get(caller.user.id) ?? null, unread };
  }

  /** Sets (null: forgets) where the caller's notification mail goes. */
  async setMyEmail(
    caller: Principal,
    email: string | null,
  ): Promise<{ email: string | null; unread: number }> {
    const problem = email === null ? undefined : emailProblem(email);
    if (problem) throw invalidParam(problem);
    await this.storage.notices.setEmail(caller.user.id, email, this.clock.now());
    return this.mySettings(caller);
  }

  /** Marks the caller's messages read (all when `ids` is undefined); returns how many changed. */
  markRead(caller: Principal, ids: string[] | undefined): Promise<number> {
    return this.storage.notices.markRead(viewerOf(caller), ids, this.clock.now());
  }
}

function noticeType(name: string): NoticeType {
  if (!isNoticeType(name))
    throw invalidParam(`notice_type must be one of ${NOTICE_TYPES.join(', ')} (got "${name}")`);
  return name;
}

/**
 * UpdateNotice's `send_switch`: "false" (or 0, off) turns the channel off, "true" (1, on) or none
 * leaves it as its events say; anything else is refused rather than read as on.
 */
function sendSwitch(text: string | undefined): boolean {
  const value = (text ?? 'true').trim().toLowerCase();
  if (['true', '1', 'on'].includes(value)) return true;
  if (['false', '0', 'off'].includes(value)) return false;
  throw invalidParam(`send_switch must be "true" or "false" (or 1, 0, on, off), not "${text}"`);
}
