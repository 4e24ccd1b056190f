import nodemailer from 'nodemailer';
import { noticeFacts, noticeTitle } from '../domain/notice-messages.ts';
import type { NoticePayload } from '../domain/notices.ts';
import type { JobRecord, Storage } from '../storage/ports.ts';
import { userMay } from './access.ts';
import type { Delivery, MailSend, Sending } from './notice-channels.ts';

/** The SMTP server notifications are mailed through (KILN_SMTP_*). */
export interface SmtpSettings {
  host: string;
  port: number;
  /** `tls`: TLS from the start (465); `starttls`: upgrade, required (587); `none`: plain (a local relay). */
  security: 'tls' | 'starttls' | 'none';
  user?: string | undefined;
  password?: string | undefined;
  /** The From address. */
  from: string;
}

/** Lines of the build's log a mail ends with. */
const LOG_LINES = 30;
const LOG_TAIL_BYTES = 16 * 1024;

/**
 * MAIL: one message to the notification's recipients that gave an address (their own settings),
 * each a blind copy, with a plain-text and an HTML part: the facts, the last lines of the build's log and a link.
 */
export function smtpMail(settings: SmtpSettings, storage: Storage): MailSend {
  const transport = nodemailer.createTransport({
    host: settings.host,
    port: settings.port,
    secure: settings.security === 'tls',
    requireTLS: settings.security === 'starttls',
    ignoreTLS: settings.security === 'none',
    ...(settings.user !== undefined && { auth: { user: settings.user, pass: settings.password ?? '' } }),
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 20_000,
  });
  return async (s: Sending): Promise<Delivery> => {
    const ids = s.payload.test ? (s.payload.recipients ?? []) : await stillViewing(storage, s.payload);
    const to = [...(await storage.notices.emails(ids)).values()];
    if (to.length === 0)
      return {
        ok: false,
        statusCode: null,
        error:
          'none of those it goes to (the job creator, its watchers, while they may view it) gave a mail address',
      };
    const log = s.payload.build ? await logTail(storage, s.payload.build.recordId) : [];
    try {
      // The whole conversation gets an attempt's time (the claim on the notification is made for
      // attempts of that length: one that outlives it is sent again by another server). Aborting
      // closes the connection, so a stalled conversation does not deliver behind the retry's back.
      const info = (await transport.sendMail({
        signal: AbortSignal.timeout(s.timeoutMs),
        from: settings.from,
        // Blind copies: each recipient is told, and none learns the others' addresses (a watcher
        // need not share a mail address with everyone who watches the job). The empty group in To:
        // is RFC 5322's way to say so; a mail with no To: at all is marked down by spam filters.
        to: 'undisclosed-recipients:;',
        bcc: to,
        subject: noticeTitle(s.payload),
        text: mailText(s, log),
        html: mailHtml(s, log),
        // A test is `test`, as in the webhook's header: a filter on it must not take it for a success.
        headers: { 'X-Kiln-Delivery': s.id, 'X-Kiln-Event': s.payload.test ? 'test' : s.payload.event },
      })) as { response?: string };
      return { ok: true, statusCode: smtpCode(info.response), error: '' };
    } catch (e) {
      const err = e as { responseCode?: number; message?: string; name?: string };
      if (err.name === 'TimeoutError' || err.name === 'AbortError')
        return { ok: false, statusCode: null, error: `no answer within ${s.timeoutMs} ms` };
      return { ok: false, statusCode: err.responseCode ?? null, error: err.message ?? String(e) };
    }
  };
}

/**
 * Of the recipients chosen at the event, those who may still view the job now: a mail retried for
 * hours (the SMTP server down) carries the build's log, and someone who left the project, was
 * disabled or lost `view` meanwhile must not get it once the server is back. A job in the recycle
 * bin (deleteJob) is judged as it was left there; a job deleted for good has nobody left.
 */
async function stillViewing(storage: Storage, payload: NoticePayload): Promise<string[]> {
  const ids = payload.recipients ?? [];
  let job: JobRecord | undefined = await storage.jobs.findById(payload.job.id);
  for (const id of ids) {
    if (job) break;
    job = (await storage.jobs.findRecycledAccess(payload.job.id, id))?.job;
  }
  if (!job) return [];
  const viewers: string[] = [];
  for (const id of ids) {
    const user = await storage.users.findById(id);
    if (user && (await userMay(storage, user, job, 'view'))) viewers.push(id);
  }
  return viewers;
}

function smtpCode(response: string | undefined): number | null {
  const code = /^(\d{3})/.exec(response ?? '')?.[1];
  return code === undefined ? null : Number(code);
}

/** The last lines of a build's log (what is left of it), as text. */
async function logTail(storage: Storage, recordId: string): Promise<string[]> {
  const size = await storage.logs.size(recordId);
  const from = Math.max(0, size - LOG_TAIL_BYTES);
  const text = Buffer.from(await storage.logs.read(recordId, from, size - from)).toString('utf8');
  const lines = text.split('\n');
  if (from > 0) lines.shift(); // a line cut at its start
  if (lines.at(-1) === '') lines.pop();
  return lines.slice(-LOG_LINES);
}

function mailText(s: Sending, log: string[]): string {
  const facts = noticeFacts(s.payload).map(([k, v]) => `${k}: ${v}`);
  const tail = log.length > 0 ? ['', `The last ${log.length} lines of the log:`, '', ...log] : [];
  return [noticeTitle(s.payload), '', ...facts, ...tail, '', s.link, ''].join('\n');
}

const escape = (t: string) =>
  t.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

function mailHtml(s: Sending, log: string[]): string {
  const rows = noticeFacts(s.payload)
    .map(([k, v]) => `<tr><th align="left">${escape(k)}</th><td>${escape(v)}</td></tr>`)
    .join('');
  const tail =
    log.length > 0
      ? `<p>The last ${log.length} lines of the log:</p><pre style="background:#f6f8fa;padding:8px">${escape(log.join('\n'))}</pre>`
      : '';
  return `<!doctype html><html><body><h2>${escape(noticeTitle(s.payload))}</h2><table>${rows}</table>${tail}<p><a href="${escape(s.link)}">Open in Kiln</a></p></body></html>`;
}
