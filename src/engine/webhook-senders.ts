import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/**
 * What each git host puts in a push delivery's headers: which host it is, how it signs, which
 * event it is, and the id of the delivery.
 */

/** A delivery as received: headers (lower-case names) and the exact body bytes. */
export interface WebhookDelivery {
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/**
 * Git hosts whose push events Kiln understands, and how each signs them. `codearts` is Huawei
 * CodeArts Repo (formerly CodeHub).
 */
export const WEBHOOK_SENDERS = ['github', 'gitlab', 'gitea', 'gitee', 'codearts'] as const;
/** One of the hosts. */
export type Sender = (typeof WEBHOOK_SENDERS)[number];

/** A header's (first) value. */
export function header(d: WebhookDelivery, name: string): string | undefined {
  const v = d.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function hmac(secret: string, data: Buffer | string, encoding: 'hex' | 'base64'): string {
  return createHmac('sha256', secret).update(data).digest(encoding);
}

/**
 * The headers CodeArts Repo may carry a webhook's token in: the "Token type" its webhook form
 * offers (X-Repo-Token, X-Gitlab-Token, X-Auth-Token), and X-Devcloud-Token, which CodeHub's older
 * guide names. Huawei documents no signature: the token is sent as it was typed.
 */
const CODEARTS_TOKEN_HEADERS = ['x-repo-token', 'x-gitlab-token', 'x-auth-token', 'x-devcloud-token'];

/** The CodeArts Repo token headers the delivery carries (non-empty values). */
function codeartsTokens(d: WebhookDelivery): string[] {
  return CODEARTS_TOKEN_HEADERS.flatMap((h) => {
    const v = header(d, h) ?? '';
    return v === '' ? [] : [v];
  });
}

/**
 * The host, by its event header (Gitea also sends GitHub's headers, so it is asked first).
 * CodeArts Repo documents no event header of its own: it is taken by an X-Repo-Event header, or by
 * one of its token headers when no other host's event header came (GitLab always sends
 * X-Gitlab-Event; a CodeArts Repo delivery that sends it with the X-Gitlab-Token type is read as
 * GitLab's, the same way).
 */
export function senderOf(d: WebhookDelivery): Sender | undefined {
  if (header(d, 'x-gitea-event')) return 'gitea';
  if (header(d, 'x-gitee-event')) return 'gitee';
  if (header(d, 'x-github-event')) return 'github';
  if (header(d, 'x-gitlab-event')) {
    const other = CODEARTS_TOKEN_HEADERS.some((h) => h !== 'x-gitlab-token' && header(d, h));
    return other && !header(d, 'x-gitlab-token') ? 'codearts' : 'gitlab';
  }
  if (header(d, 'x-repo-event') || codeartsTokens(d).length > 0) return 'codearts';
  return undefined;
}

/** The header that carries each host's signature or token, as the host names it. */
export const SIGNATURE_HEADERS: Record<Sender, string> = {
  github: 'X-Hub-Signature-256',
  gitlab: 'X-Gitlab-Token',
  gitea: 'X-Gitea-Signature',
  gitee: 'X-Gitee-Token',
  codearts: 'X-Repo-Token (or X-Gitlab-Token, X-Auth-Token)',
};

/** True when the delivery carries no signature or token at all (the host was given no secret). */
export function unsigned(sender: Sender, d: WebhookDelivery): boolean {
  if (sender === 'codearts') return codeartsTokens(d).length === 0;
  return (header(d, SIGNATURE_HEADERS[sender].toLowerCase()) ?? '') === '';
}

/** Checks the delivery the way its host signs: an HMAC of the body, or the shared token. */
export function verified(sender: Sender, d: WebhookDelivery, secret: string): boolean {
  switch (sender) {
    case 'github': {
      const sig = header(d, 'x-hub-signature-256') ?? '';
      return same(sig, `sha256=${hmac(secret, d.body, 'hex')}`);
    }
    case 'gitea':
      return same(header(d, 'x-gitea-signature') ?? '', hmac(secret, giteaSigned(d), 'hex'));
    case 'gitlab':
      return same(header(d, 'x-gitlab-token') ?? '', secret);
    case 'codearts': {
      // The token in whichever header the webhook's "Token type" names; every one sent must match.
      const tokens = codeartsTokens(d);
      return tokens.length > 0 && tokens.every((t) => same(t, secret));
    }
    case 'gitee': {
      // Gitee sends either the password itself or base64(HMAC(secret, timestamp + "\n" + secret)),
      // which its guide has URL-encoded as well (Java's URLEncoder: + / = as %2B %2F %3D); both are taken.
      const token = header(d, 'x-gitee-token') ?? '';
      const timestamp = header(d, 'x-gitee-timestamp') ?? '';
      if (same(token, secret)) return true;
      if (timestamp === '') return false;
      const sign = hmac(secret, `${timestamp}\n${secret}`, 'base64');
      return same(token, sign) || same(token, encodeURIComponent(sign));
    }
  }
}

/**
 * What Gitea (and Forgejo) signs: the payload's JSON, whatever the webhook's content type. A form
 * delivery (`payload=<JSON>`) is signed over its JSON, not over the form's bytes as GitHub's is.
 */
function giteaSigned(d: WebhookDelivery): Buffer | string {
  return formPayload(d.body, header(d, 'content-type') ?? '') ?? d.body;
}

/**
 * The `payload` field of a form-encoded delivery (application/x-www-form-urlencoded: GitHub's
 * default, one of Gitea's), which holds the push's JSON; undefined for any other body, or a form
 * without the field.
 */
export function formPayload(body: Buffer, contentType: string): string | undefined {
  if (!/^application\/x-www-form-urlencoded\b/i.test(contentType)) return undefined;
  return new URLSearchParams(body.toString('utf8')).get('payload') ?? undefined;
}

/**
 * The instant a delivery's signature covers instead of its body (Gitee's signing mode signs only
 * `X-Gitee-Timestamp`); undefined for every other signature, and for Gitee's password mode.
 */
export function signedInstant(sender: Sender, d: WebhookDelivery, secret: string): number | undefined {
  if (sender !== 'gitee') return undefined;
  const token = header(d, 'x-gitee-token') ?? '';
  return same(token, secret) ? undefined : Number(header(d, 'x-gitee-timestamp'));
}

/** The host's name for the event ('' for a CodeArts Repo delivery that sends none). */
export function eventOf(sender: Sender, d: WebhookDelivery): string {
  if (sender === 'codearts') return header(d, 'x-repo-event') || header(d, 'x-gitlab-event') || '';
  return header(d, `x-${sender}-event`) ?? '';
}

/**
 * True for a push event (GitLab and Gitee call it "Push Hook"), or one its payload's `object_kind`
 * tells (push-payload.ts): a CodeArts Repo delivery without an event header, and a GitLab system
 * hook's (an instance-wide hook, whose every event is a "System Hook": its pushes carry the push
 * payload, `object_kind` `push`).
 */
export function isPush(sender: Sender, d: WebhookDelivery): boolean {
  const event = eventOf(sender, d);
  if (sender === 'codearts') return event === '' || event === 'Push Hook';
  if (sender === 'gitlab') return event === 'Push Hook' || kindTells(sender, d);
  return sender === 'gitee' ? event === 'Push Hook' : event === 'push';
}

/** True when the payload's `object_kind` alone says whether the delivery is a push (GitLab's system hooks). */
export function kindTells(sender: Sender, d: WebhookDelivery): boolean {
  return sender === 'gitlab' && eventOf(sender, d) === 'System Hook';
}

/**
 * Headers that carry the id of a delivery, best first: the same on every attempt to deliver it.
 * GitLab makes a new X-Gitlab-Webhook-UUID for each attempt (a retry or a resend would build
 * again); its Idempotency-Key (GitLab 17.4 on) stays the same across them, and so does the
 * X-Gitlab-Event-UUID of the event (older GitLab sends only that). Gitee sends no id: its
 * millisecond timestamp (signed, in its signature mode) stands in.
 */
const DELIVERY_HEADERS: Record<Sender, string[]> = {
  github: ['x-github-delivery'],
  gitlab: ['idempotency-key', 'x-gitlab-event-uuid', 'x-gitlab-webhook-uuid'],
  gitea: ['x-gitea-delivery'],
  gitee: ['x-gitee-timestamp'],
  // Huawei documents no delivery id for CodeArts Repo; GitLab's, in case it sends them.
  codearts: ['idempotency-key', 'x-gitlab-event-uuid', 'x-gitlab-webhook-uuid'],
};

/** The delivery's id as the host sent it ('' when it sent none). */
export function replayId(sender: Sender, d: WebhookDelivery): string {
  const name = DELIVERY_HEADERS[sender].find((h) => (header(d, h) ?? '') !== '');
  return name === undefined ? '' : (header(d, name) ?? '');
}

/** Hosts whose signature covers the body: a body they signed is itself one delivery. */
const SIGNS_BODY: readonly Sender[] = ['github', 'gitea'];

/** What identifies a delivery for replay checks: a stored key and the words for a duplicate. */
export interface ReplayKey {
  key: string;
  duplicate: string;
}

const sha256 = (data: Buffer | string) => createHash('sha256').update(data).digest('hex');

/**
 * The keys under which a delivery that builds is remembered. The delivery id, when the host sent
 * one; and for hosts that sign the body, the body too, since their delivery id is not signed and a
 * replayer could change it. Only digests are stored.
 */
export function replayKeys(sender: Sender, d: WebhookDelivery): ReplayKey[] {
  const keys: ReplayKey[] = [];
  const name = DELIVERY_HEADERS[sender].find((h) => (header(d, h) ?? '') !== '');
  if (name !== undefined) {
    const id = replayId(sender, d);
    const shown = id.length > 100 ? `${id.slice(0, 100)}...` : id;
    keys.push({
      key: `delivery:${sha256(`${sender}:${id}`)}`,
      duplicate: `duplicate delivery: ${name} ${shown} came before (${sender === 'gitee' ? 'it started a build of this job, or its signed timestamp was used' : 'it started a build of this job'}); a delivery counts once`,
    });
  }
  if (SIGNS_BODY.includes(sender)) {
    keys.push({
      key: `body:${sha256(d.body)}`,
      duplicate:
        'duplicate delivery: this signed payload already started a build of this job (under another delivery id); a payload builds once',
    });
  }
  return keys;
}
