import { createHmac } from 'node:crypto';
import type { NoticeEvent, NoticePayload } from './notices.ts';
import { DIRECTION_CONTROLS } from './control-chars.ts';

/**
 * What a notification says in each channel's format: a title, the facts as lines, and the bodies
 * of Kiln's webhook (JSON, signed), Slack/Mattermost incoming webhooks and DingTalk robots.
 */

const WHAT: Record<NoticeEvent, string> = {
  buildJobFail: 'failed',
  buildJobSuccess: 'succeeded',
  buildFixed: 'is fixed',
  buildStillFailing: 'is still failing',
  deleteJob: 'was deleted',
  forbiddenJob: 'was disabled',
  updateConfigJob: 'was changed',
};

/** Where a notification's reader goes: the build's page, or the job's. */
export function noticeLink(baseUrl: string, p: NoticePayload): string {
  const job = `${baseUrl}/jobs/${p.job.id}`;
  return p.build ? `${job}/builds/${p.build.number}` : job;
}

/**
 * A name set into a sentence: one that holds a direction control (U+202E may be in a job's name)
 * is isolated (FSI ... PDI), so that it cannot turn the words after it around ("failed" read as
 * "deliaf", or made to look like another word) wherever the text is shown: inbox, mail, chat.
 */
function isolated(name: string): string {
  return DIRECTION_CONTROLS.test(name) ? `\u2068${name}\u2069` : name;
}

/** "Build #12 of nightly failed", "Job nightly was disabled by alice". */
export function noticeTitle(p: NoticePayload): string {
  const job = isolated(p.job.name);
  if (p.test) return `Test notification from Kiln for job ${job}`;
  if (p.build) return `Build #${p.build.number} of ${job} ${WHAT[p.event]}`;
  return `Job ${job} ${WHAT[p.event]}${p.actor ? ` by ${isolated(p.actor)}` : ''}`;
}

function duration(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  return m < 60 ? `${m} min ${s % 60} s` : `${Math.floor(m / 60)} h ${m % 60} min`;
}

/** The facts, one "name: value" line each. */
export function noticeFacts(p: NoticePayload): [string, string][] {
  const facts: [string, string][] = [['Job', p.job.name]];
  if (p.build) {
    const b = p.build;
    facts.push(['Build', `#${b.number}`], ['Outcome', b.state], ['Duration', duration(b.durationMs)]);
    if (b.branch) facts.push(['Branch', b.branch]);
    if (b.commitId)
      facts.push([
        'Commit',
        `${b.commitId.slice(0, 12)}${b.commitMessage ? ` ${firstLine(b.commitMessage)}` : ''}`,
      ]);
  }
  if (p.actor) facts.push(['By', p.actor]);
  return facts;
}

/** A commit message's first line: a CR ends it too (Markdown starts a new line there: a heading, a quote...). */
function firstLine(text: string): string {
  const line = text.split(/\r\n?|\n/, 1)[0] ?? '';
  return line.length > 100 ? `${line.slice(0, 99)}…` : line;
}

/** The plain-text message (mail, inbox). */
export function noticeText(p: NoticePayload, link: string): string {
  return [noticeTitle(p), '', ...noticeFacts(p).map(([k, v]) => `${k}: ${v}`), '', link].join('\n');
}

/** Kiln's own webhook body (docs/notifications.md). */
export function webhookBody(id: string, p: NoticePayload, link: string): string {
  const b = p.build;
  return JSON.stringify({
    id,
    event: p.test ? 'test' : p.event,
    at: new Date(p.at).toISOString(),
    title: noticeTitle(p),
    url: link,
    job: { id: p.job.id, name: p.job.name, project_id: p.job.projectId },
    build: b
      ? {
          record_id: b.recordId,
          number: b.number,
          result: b.state,
          branch: b.branch,
          commit_id: b.commitId,
          commit_message: b.commitMessage,
          start_time: new Date(b.startTime).toISOString(),
          duration_ms: b.durationMs,
        }
      : null,
    actor: p.actor ?? null,
  });
}

/** `sha256=<hex>`: the X-Kiln-Signature-256 header of a webhook body (as GitHub signs). */
export function webhookSignature(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/**
 * Text as a chat shows it, and no more, where one body is read both as Slack's mrkdwn and, by
 * Mattermost, as Markdown. A commit message, branch or job name is anyone's who may push or edit,
 * and `[Reset your password](https://…)` or `![](https://…)` in one would otherwise be a link or an
 * image in the team's chat that seems to come from Kiln. Backslash escapes (DingTalk's way) would
 * show in Slack, so the link syntax is broken invisibly instead: a word joiner (U+2060) after each
 * `]` parts it from the `(`, `[` or `:` that would make an inline link or image, a reference or its
 * definition. `&`, `<` and `>` are written as the entities Slack asks for (and Mattermost shows as
 * the characters): no `<url|text>` or `<!channel>` of Slack, no `<https://…>` autolink or HTML tag
 * of Markdown. A URL written out stays a URL (both chats link those), but shows where it goes. A
 * joiner after each `@` too: Mattermost would ping `@channel`, `@all` or a user a commit names.
 */
export function chatText(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/[\]@]/g, '$&\u2060');
}

/** Slack's (and Mattermost's) incoming-webhook body: mrkdwn text with a link. */
export function slackBody(p: NoticePayload, link: string): string {
  const facts = noticeFacts(p)
    .map(([k, v]) => `*${k}:* ${chatText(v)}`)
    .join('\n');
  return JSON.stringify({ text: `<${link}|${chatText(noticeTitle(p))}>\n${facts}` });
}

/**
 * Text as markdown shows it, and no more: a commit message is anyone's who may push, and
 * `[Reset your password](https://…)` in one would otherwise be a link in the team's chat that
 * seems to come from Kiln. What makes a link, an image, emphasis or code inline is escaped
 * (CommonMark's backslash escapes) and `<` written as an entity (no HTML tag): the rest reads as
 * it is (a `-` or `#` inside a line makes nothing).
 */
function markdownText(text: string): string {
  return text
    .replace(/[\\`*_[\]]/g, '\\$&')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;');
}

/** A DingTalk robot's markdown message. */
export function dingTalkBody(p: NoticePayload, link: string): string {
  const title = noticeTitle(p);
  const facts = noticeFacts(p)
    .map(([k, v]) => `- **${k}:** ${markdownText(v)}`)
    .join('\n');
  return JSON.stringify({
    msgtype: 'markdown',
    markdown: { title, text: `### ${markdownText(title)}\n\n${facts}\n\n[Open in Kiln](${link})` },
  });
}

/**
 * A DingTalk robot URL signed as its "additional signature" security setting asks: the time in
 * ms and base64(HMAC-SHA256(secret, time + "\n" + secret)), URL-encoded.
 */
export function dingTalkSignedUrl(url: string, secret: string, now: number): string {
  const sign = createHmac('sha256', secret).update(`${now}\n${secret}`).digest('base64');
  const u = new URL(url);
  u.searchParams.set('timestamp', String(now));
  u.searchParams.set('sign', sign);
  return u.toString();
}
