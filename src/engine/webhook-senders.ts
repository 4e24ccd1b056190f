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

/** Git hosts whose push events Kiln understands, and how each signs them. */
export const WEBHOOK_SENDERS = ['github', 'gitlab', 'gitea', 'gitee'] as const;
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

/** The host, by its event header (Gitea also sends GitHub's headers, so it is asked first). */
export function senderOf(d: WebhookDelivery): Sender | undefined {
  if (header(d, 'x-gitea-event')) return 'gitea';
  if (header(d, 'x-gitee-event')) return 'gitee';
  if (header(d, 'x-github-event')) return 'github';
  if (header(d, 'x-gitlab-event')) return 'gitlab';
  return undefined;
}

/** The header that carries each host's signature or token, as the host names it. */
export const SIGNATURE_HEADERS: Record<Sender, string> = {
  github: 'X-Hub-Signature-256',
  gitlab: 'X-Gitlab-Token',
  gitea: 'X-Gitea-Signature',
  gitee: 'X-Gitee-Token',
};

/** True when the delivery carries no signature or token at all (the host was given no secret). */
export function unsigned(sender: Sender, d: WebhookDelivery): boolean {
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
      return same(header(d, 'x-gitea-signature') ?? '', hmac(secret, d.body, 'hex'));
    case 'gitlab':
      return same(header(d, 'x-gitlab-token') ?? '', secret);
    case 'gitee': {
      // Gitee sends either the password itself or base64(HMAC(secret, timestamp + "\n" + secret)).
      const token = header(d, 'x-gitee-token') ?? '';
      const timestamp = header(d, 'x-gitee-timestamp') ?? '';
      return (
        same(token, secret) ||
        (timestamp !== '' && same(token, hmac(secret, `${timestamp}\n${secret}`, 'base64')))
      );
    }
  }
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

/** The host's name for the event. */
export function eventOf(sender: Sender, d: WebhookDelivery): string {
  return header(d, `x-${sender}-event`) ?? '';
}

/** True for a push event (GitLab and Gitee call it "Push Hook"). */
export function isPush(sender: Sender, d: WebhookDelivery): boolean {
  const event = eventOf(sender, d);
  return sender === 'gitlab' || sender === 'gitee' ? event === 'Push Hook' : event === 'push';
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
      duplicate: `duplicate delivery: ${name} ${shown} came before (it started a build of this job, or Gitee's signed timestamp was used); a delivery counts once`,
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
