import {
  dingTalkBody,
  dingTalkSignedUrl,
  slackBody,
  webhookBody,
  webhookSignature,
} from '../domain/notice-messages.ts';
import type { NoticePayload, ParamConfig, SentType } from '../domain/notices.ts';
import { STATUS_CODES } from 'node:http';

/** What one attempt to deliver came to. */
export interface Delivery {
  ok: boolean;
  /** The receiver's HTTP status, when it answered. */
  statusCode: number | null;
  /**
   * Why it failed ('' when it did not): the status, DingTalk's error code, or the network error.
   * Never the receiver's words: a webhook URL may name any address the server reaches (a service
   * on its loopback), and what answers there is not for the job's developers or viewers to read.
   */
  error: string;
}

/** What a channel needs to send one notification. */
export interface Sending {
  channel: SentType;
  config: ParamConfig;
  /** The notification's id: receivers may drop a delivery they already had (X-Kiln-Delivery). */
  id: string;
  payload: NoticePayload;
  /** The build's (or job's) page in the dashboard. */
  link: string;
  now: number;
  timeoutMs: number;
}

/** Sends mail (NoticeMailer); absent when no SMTP server is configured. */
export type MailSend = (s: Sending) => Promise<Delivery>;

const USER_AGENT = 'Kiln-Notifier';

/** One attempt over the channel's protocol. Never throws: a failure is a Delivery that is not ok. */
export async function deliver(s: Sending, mail: MailSend | undefined): Promise<Delivery> {
  if (s.channel === 'MAIL')
    return mail
      ? mail(s)
      : { ok: false, statusCode: null, error: 'no SMTP server is configured (KILN_SMTP_HOST)' };
  const url = s.config.webhook_url;
  if (url === undefined)
    return { ok: false, statusCode: null, error: `the job's ${s.channel} notice has no webhook_url` };
  if (s.channel === 'WEBHOOK') {
    const body = webhookBody(s.id, s.payload, s.link);
    // The body's event: `test` for the test button, which a receiver routing on the header must not
    // take for a real build's outcome.
    const event = s.payload.test ? 'test' : s.payload.event;
    const headers: Record<string, string> = { 'x-kiln-event': event, 'x-kiln-delivery': s.id };
    if (s.config.secret) headers['x-kiln-signature-256'] = webhookSignature(s.config.secret, body);
    return post(url, body, headers, s.timeoutMs, () => undefined);
  }
  if (s.channel === 'SLACK') return post(url, slackBody(s.payload, s.link), {}, s.timeoutMs, () => undefined);
  const target = s.config.secret ? dingTalkSignedUrl(url, s.config.secret, s.now) : url;
  const official = hostOf(url) === DINGTALK_HOST;
  return post(target, dingTalkBody(s.payload, s.link), {}, s.timeoutMs, (answer) =>
    dingTalkRefusal(answer, official),
  );
}

/** DingTalk's robot API: only its own words (`errmsg`) are shown, never another receiver's. */
const DINGTALK_HOST = 'oapi.dingtalk.com';

function hostOf(url: string): string {
  try {
    return new URL(url).hostname;
  } catch {
    return '';
  }
}

/**
 * DingTalk answers 200 with `{"errcode": n, "errmsg": ...}`; anything but 0 is a refusal. Its
 * message ("keywords not in content") is shown only when DingTalk itself answered.
 */
function dingTalkRefusal(answer: string, official: boolean): string | undefined {
  try {
    const parsed = JSON.parse(answer) as { errcode?: unknown; errmsg?: unknown };
    if (parsed.errcode === undefined || parsed.errcode === 0) return undefined;
    const code = typeof parsed.errcode === 'number' ? ` errcode ${parsed.errcode}` : '';
    const message = official && typeof parsed.errmsg === 'string' ? ` ${parsed.errmsg.slice(0, 200)}` : '';
    return `DingTalk refused it:${code}${message}`;
  } catch {
    return undefined;
  }
}

async function post(
  url: string,
  body: string,
  headers: Record<string, string>,
  timeoutMs: number,
  refusal: (answer: string) => string | undefined,
): Promise<Delivery> {
  try {
    // No redirects: a receiver that moved answers 3xx, which is an error the owner sees.
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': USER_AGENT, ...headers },
      body,
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs),
    });
    const answer = await answerStart(res, ANSWER_CHARS);
    if (res.status < 200 || res.status > 299)
      return {
        ok: false,
        statusCode: res.status,
        error: `HTTP ${res.status} ${STATUS_CODES[res.status] ?? ''}`.trim(),
      };
    const refused = refusal(answer);
    return refused
      ? { ok: false, statusCode: res.status, error: refused }
      : { ok: true, statusCode: res.status, error: '' };
  } catch (e) {
    return { ok: false, statusCode: null, error: networkError(e, timeoutMs) };
  }
}

/** Of an answer, only its start is looked at (DingTalk's errcode). */
const ANSWER_CHARS = 2000;

/**
 * The first `max` bytes of an answer's body, as text; the rest is not read (the connection is let
 * go). The receiver is of a developer's choosing: an answer of gigabytes, or one gzipped to a
 * fraction of that (fetch unzips it), must not be read whole into the server's memory.
 */
async function answerStart(res: Response, max: number): Promise<string> {
  if (!res.body) return '';
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < max) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.byteLength;
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
  return Buffer.concat(chunks).subarray(0, max).toString('utf8');
}

function networkError(e: unknown, timeoutMs: number): string {
  if (e instanceof Error && (e.name === 'TimeoutError' || e.name === 'AbortError'))
    return `no answer within ${timeoutMs} ms`;
  const cause = e instanceof Error ? (e.cause as { code?: string; message?: string } | undefined) : undefined;
  if (cause?.code) return `${cause.code}${cause.message ? `: ${cause.message}` : ''}`;
  return e instanceof Error ? e.message : String(e);
}
