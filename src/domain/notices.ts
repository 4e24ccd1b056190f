import type { BuildState } from './build.ts';

/**
 * Job notifications (issue 18): the channels, the events, what each channel's `param_config`
 * holds, and which event a build's end is told as. CodeArts names the channels `notice_type`s
 * (MAIL, DING_TALK, MESSAGE, ...) and the events `buildJobFail` and so on; Kiln adds its own
 * outgoing webhook, the Slack/Mattermost format, and two events Jenkins users expect.
 */

/** The channels, in the order ListNotice answers them (CodeArts sorts them by name). */
export const NOTICE_TYPES = ['DING_TALK', 'MAIL', 'MESSAGE', 'SLACK', 'WEBHOOK'] as const;
export type NoticeType = (typeof NOTICE_TYPES)[number];

/** CodeArts' events, then Kiln's: the first success after a failure, a failure after a failure. */
export const NOTICE_EVENTS = [
  'buildJobFail',
  'buildJobSuccess',
  'deleteJob',
  'forbiddenJob',
  'updateConfigJob',
  'buildFixed',
  'buildStillFailing',
] as const;
export type NoticeEvent = (typeof NOTICE_EVENTS)[number];

/** The channels that go over the network (through the outbox); MESSAGE is written with the event. */
export type SentType = Exclude<NoticeType, 'MESSAGE'>;

export function isNoticeType(t: string): t is NoticeType {
  return (NOTICE_TYPES as readonly string[]).includes(t);
}

/** A channel's settings, as kept (`paramConfig` sealed when stored). */
export interface NoticeSetting {
  type: NoticeType;
  events: NoticeEvent[];
  /** Only tell a success or a failure when the outcome changed from the build before (Jenkins' default). */
  onlyOnChange: boolean;
}

/** What a channel's `param_config` (a JSON object in a string, as CodeArts has it) may hold. */
export interface ParamConfig {
  /** DING_TALK, SLACK, WEBHOOK: where the message goes. */
  webhook_url?: string;
  /** DING_TALK: the robot's signing secret (SEC...); WEBHOOK: the HMAC-SHA256 key. */
  secret?: string;
  /** Any channel: see NoticeSetting.onlyOnChange. */
  only_on_change?: boolean;
}

const URL_TYPES: readonly NoticeType[] = ['DING_TALK', 'SLACK', 'WEBHOOK'];
const MAX_PARAM_CONFIG = 4096;

/**
 * Parses and checks a channel's `param_config` text (empty or absent: none); the error says what
 * is wrong. A channel that posts somewhere needs its URL once it is sent for any event.
 */
export function parseParamConfig(
  type: NoticeType,
  text: string | undefined,
  sentForSomething: boolean,
): ParamConfig | { error: string } {
  let config: ParamConfig = {};
  if (text !== undefined && text.trim() !== '') {
    if (text.length > MAX_PARAM_CONFIG)
      return { error: `param_config is longer than ${MAX_PARAM_CONFIG} characters` };
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      return {
        error: 'param_config must be a JSON object in a string, such as {"webhook_url":"https://..."}',
      };
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
      return { error: 'param_config must be a JSON object' };
    const known = ['webhook_url', 'secret', 'only_on_change'];
    const unknown = Object.keys(parsed).filter((k) => !known.includes(k));
    if (unknown.length > 0)
      return { error: `param_config has no field ${unknown.join(', ')} (fields: ${known.join(', ')})` };
    config = parsed as ParamConfig;
    if (config.only_on_change !== undefined && typeof config.only_on_change !== 'boolean')
      return { error: 'param_config.only_on_change must be true or false' };
    if (config.secret !== undefined && (typeof config.secret !== 'string' || config.secret.length > 512))
      return { error: 'param_config.secret must be a string of at most 512 characters' };
    if (config.webhook_url !== undefined) {
      if (!URL_TYPES.includes(type)) return { error: `a ${type} notice has no webhook_url` };
      const problem = urlProblem(config.webhook_url);
      if (problem) return { error: `param_config.webhook_url ${problem}` };
    }
    if (config.secret !== undefined && type !== 'DING_TALK' && type !== 'WEBHOOK')
      return { error: `a ${type} notice has no secret` };
  }
  if (sentForSomething && URL_TYPES.includes(type) && config.webhook_url === undefined)
    return { error: `a ${type} notice needs param_config.webhook_url` };
  return config;
}

function urlProblem(url: unknown): string | undefined {
  if (typeof url !== 'string' || url.length > 2048) return 'must be a URL of at most 2048 characters';
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return 'is not a URL';
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') return 'must be an http or https URL';
  if (parsed.username !== '' || parsed.password !== '') return 'must not carry a user name or password';
  return undefined;
}

/** Checks event names (CodeArts' enabled_event_type_names); the error names the unknown ones. */
export function parseEvents(names: readonly string[]): NoticeEvent[] | { error: string } {
  const unknown = names.filter((n) => !(NOTICE_EVENTS as readonly string[]).includes(n));
  if (unknown.length > 0)
    return {
      error: `enabled_event_type_names has unknown events ${unknown.join(', ')} (events: ${NOTICE_EVENTS.join(', ')})`,
    };
  return NOTICE_EVENTS.filter((e) => names.includes(e));
}

/** CodeArts' enable_map: every event, true for those the channel is sent for. */
export function enableMap(events: readonly NoticeEvent[]): Record<NoticeEvent, boolean> {
  return Object.fromEntries(NOTICE_EVENTS.map((e) => [e, events.includes(e)])) as Record<
    NoticeEvent,
    boolean
  >;
}

const FAILED: readonly BuildState[] = ['FAILURE', 'timeout'];

/**
 * The event a channel tells a build's end as, or undefined when it stays quiet: the most specific
 * one it is sent for (fixed before success, still failing before failure). `previous` is the
 * outcome of the job's build before (aborted builds left out), undefined for a first build.
 */
export function buildEndEvent(
  state: BuildState,
  previous: BuildState | undefined,
  setting: NoticeSetting,
): NoticeEvent | undefined {
  const wants = (e: NoticeEvent) => setting.events.includes(e);
  const wasFailing = previous !== undefined && FAILED.includes(previous);
  if (state === 'SUCCESS') {
    if (wasFailing && wants('buildFixed')) return 'buildFixed';
    const changed = previous !== 'SUCCESS';
    return wants('buildJobSuccess') && (changed || !setting.onlyOnChange) ? 'buildJobSuccess' : undefined;
  }
  if (FAILED.includes(state)) {
    if (wasFailing && wants('buildStillFailing')) return 'buildStillFailing';
    return wants('buildJobFail') && (!wasFailing || !setting.onlyOnChange) ? 'buildJobFail' : undefined;
  }
  return undefined;
}

/** The job change (JobChange) each job event is told for. */
export const JOB_CHANGE_EVENTS: Partial<Record<string, NoticeEvent>> = {
  UPDATE: 'updateConfigJob',
  DISABLE: 'forbiddenJob',
  DELETE: 'deleteJob',
};

/**
 * What a notification tells, frozen when its event happened (the build or job may change or go
 * before it is delivered).
 */
export interface NoticePayload {
  event: NoticeEvent;
  at: number;
  job: { id: string; name: string; projectId: string };
  build?: {
    recordId: string;
    number: number;
    state: BuildState;
    branch: string;
    commitId: string;
    commitMessage: string;
    startTime: number;
    durationMs: number;
  };
  /** Who changed the job (job events), or asked for a test. */
  actor?: string;
  /** A test sent from the job's settings, not an event. */
  test?: boolean;
  /** MAIL: the users it goes to (their addresses are looked up when it is sent). */
  recipients?: string[];
}

/** A mail address as a user may give one (a sanity check; the SMTP server has the last word). */
export function emailProblem(email: string): string | undefined {
  if (email.length > 254) return 'email is longer than 254 characters';
  return /^[^\s@<>,;"]+@[^\s@<>,;"]+\.[^\s@<>,;"]+$/.test(email)
    ? undefined
    : `email: "${email}" is not a mail address`;
}

/** How long a notification is retried before it is given up (default). */
export const NOTICE_DEADLINE_MS = 24 * 3600_000;

/**
 * The wait before attempt `attempt + 1` after `attempt` failed: exponential from `baseMs`, capped
 * at `capMs`, with "equal jitter" (half fixed, half random) so that many notifications that failed
 * together do not come back together. `random` is in [0, 1).
 */
export function retryDelay(attempt: number, baseMs: number, capMs: number, random: number): number {
  const full = Math.min(capMs, baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(full / 2 + (full / 2) * random);
}
