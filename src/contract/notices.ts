import { Type } from 'typebox';
import { NOTICE_EVENTS, NOTICE_TYPES } from '../domain/notices.ts';
import { Envelope, WireInt } from './common.ts';

/**
 * The notice operations (ListNotice, UpdateNotice, DisableNotice, ShowJobNoticeConfigInfo,
 * UpdateNewNoticeNew) as the reference has them, and Kiln's delivery history, test button,
 * watching and inbox.
 */

const TYPES = NOTICE_TYPES.join(', ');

/** One channel of ListNotice / ShowJobNoticeConfigInfo. */
const NoticeItem = Type.Object({
  notice_type: Type.String({ description: TYPES }),
  enable_map: Type.Record(Type.String(), Type.Boolean(), {
    description: `Each event (${NOTICE_EVENTS.join(', ')}): whether the channel is sent for it`,
  }),
  param_config: Type.Union([Type.String(), Type.Null()], {
    description:
      'The channel\'s settings as a JSON object in a string ({"webhook_url", "secret", "only_on_change"}); null to those who may not modify the job, or when unset',
  }),
});

export const NoticeList = Envelope(Type.Array(NoticeItem));

/** UpdateNotice / UpdateNewNoticeNew body (UpdateNoticeRequestBody). */
export const NoticeUpdateBody = Type.Object({
  notice_type: Type.String({ maxLength: 32, description: TYPES }),
  enabled_event_type_names: Type.Array(Type.String({ maxLength: 64 }), {
    maxItems: 32,
    description: 'The events the channel is sent for (all others off)',
  }),
  send_switch: Type.Optional(Type.String({ maxLength: 16, description: '"false" turns the channel off' })),
  param_config: Type.Optional(
    Type.String({ maxLength: 4096, description: 'JSON object in a string; left out: the stored one stays' }),
  ),
  use_project_notice: Type.Optional(Type.String({ maxLength: 16, description: 'Accepted and ignored' })),
});

export const NoticeTypeQuery = Type.Object({
  notice_type: Type.String({ maxLength: 32, description: TYPES }),
});

export const NoticeTestBody = Type.Object({
  notice_type: Type.String({ maxLength: 32, description: TYPES }),
});

/** What one delivery attempt came to. */
const AttemptResult = Type.Object({
  ok: Type.Boolean(),
  status_code: Type.Union([Type.Integer(), Type.Null()], { description: "The receiver's HTTP status" }),
  error: Type.String({ description: "Why it failed ('' when it did not)" }),
});

export const NoticeTestResult = Envelope(AttemptResult);

export const PageQuery = Type.Object({
  offset: Type.Optional(WireInt({ minimum: 0, maximum: 1_000_000, default: 0 })),
  limit: Type.Optional(WireInt({ minimum: 1, maximum: 100, default: 20 })),
});

export const NotificationList = Envelope(
  Type.Object({
    total: Type.Integer(),
    notifications: Type.Array(
      Type.Object({
        id: Type.String({ description: 'Also the X-Kiln-Delivery header of every attempt' }),
        notice_type: Type.String(),
        event: Type.String(),
        title: Type.String(),
        state: Type.Union([Type.Literal('pending'), Type.Literal('delivered'), Type.Literal('failed')]),
        created_at: Type.Integer({ description: 'Epoch milliseconds' }),
        next_attempt_at: Type.Union([Type.Integer(), Type.Null()], { description: 'Pending ones' }),
        ended_at: Type.Union([Type.Integer(), Type.Null()]),
        last_error: Type.String(),
        attempts: Type.Array(
          Type.Object({
            attempt: Type.Integer(),
            at: Type.Integer({ description: 'Epoch milliseconds' }),
            duration_ms: Type.Integer(),
            server: Type.String({ description: 'The server that made it' }),
            ...AttemptResult.properties,
          }),
        ),
      }),
    ),
  }),
);

export const Watching = Envelope(
  Type.Object({
    watching: Type.Boolean({ description: "Whether you hear of the job's notifications by inbox and mail" }),
  }),
);
export const WatchBody = Type.Object({ watching: Type.Boolean() });

export const InboxQuery = Type.Object({
  unread_only: Type.Optional(
    Type.Union([Type.Literal('true'), Type.Literal('false')], { description: 'true: only unread ones' }),
  ),
  ...PageQuery.properties,
});

export const Inbox = Envelope(
  Type.Object({
    total: Type.Integer(),
    unread: Type.Integer(),
    messages: Type.Array(
      Type.Object({
        id: Type.String(),
        job_id: Type.String(),
        event: Type.String(),
        title: Type.String(),
        text: Type.String({ description: 'The message as plain text' }),
        url: Type.String({ description: "The build's or job's page" }),
        created_at: Type.Integer({ description: 'Epoch milliseconds' }),
        read: Type.Boolean(),
      }),
    ),
  }),
);

export const MarkReadBody = Type.Object({
  ids: Type.Optional(
    Type.Array(Type.String({ maxLength: 32 }), { maxItems: 500, description: 'Left out: every message' }),
  ),
});
export const MarkedRead = Envelope(Type.Object({ marked: Type.Integer() }));

export const MyNoticeSettings = Envelope(
  Type.Object({
    email: Type.Union([Type.String(), Type.Null()], {
      description: 'Where your notification mail goes (null: you get none)',
    }),
    unread: Type.Integer({ description: 'Unread messages in your inbox' }),
  }),
);
export const MyNoticeSettingsBody = Type.Object({
  email: Type.Union([Type.String({ maxLength: 254 }), Type.Null()]),
});
