import { createHmac, randomUUID } from 'node:crypto';
import type { TestKiln } from './app.ts';

/**
 * Push deliveries as each git host sends them: its headers (event, signature or token, delivery
 * id) and its push payload's shape, for the webhook suites.
 */

export type Sender = 'github' | 'gitlab' | 'gitea' | 'gitee';
export const SENDERS: Sender[] = ['github', 'gitlab', 'gitea', 'gitee'];

/** The all-zero commit id a host sends as `after` when a branch is deleted. */
export const ZERO = '0'.repeat(40);

const hmacHex = (secret: string, body: string) => createHmac('sha256', secret).update(body).digest('hex');

let lastGiteeTimestamp = 0;

/** A delivery id as the host makes it (Gitee has none: its millisecond timestamp stands in). */
export function newDelivery(sender: Sender): string {
  if (sender !== 'gitee') return randomUUID();
  lastGiteeTimestamp = Math.max(Date.now(), lastGiteeTimestamp + 1);
  return String(lastGiteeTimestamp);
}

/** What a delivery's headers may vary: the host's event name and the delivery id. */
export interface DeliveryOptions {
  event?: string;
  delivery?: string;
}

/** Headers as each host sends a delivery; a fresh delivery id unless one is given. */
export function headersFor(
  sender: Sender,
  secret: string,
  body: string,
  { event, delivery = newDelivery(sender) }: DeliveryOptions = {},
): Record<string, string> {
  const json = { 'content-type': 'application/json' };
  switch (sender) {
    case 'github':
      return {
        ...json,
        'x-github-event': event ?? 'push',
        'x-github-delivery': delivery,
        'x-hub-signature-256': `sha256=${hmacHex(secret, body)}`,
      };
    case 'gitlab':
      return {
        ...json,
        'x-gitlab-event': event ?? 'Push Hook',
        // As GitLab sends them: each attempt its own Webhook-UUID; the delivery's Idempotency-Key
        // and its event's UUID the same on every attempt.
        'x-gitlab-webhook-uuid': randomUUID(),
        'idempotency-key': delivery,
        'x-gitlab-event-uuid': delivery,
        'x-gitlab-token': secret,
      };
    case 'gitea':
      return {
        ...json,
        'x-gitea-event': event ?? 'push',
        'x-gitea-delivery': delivery,
        'x-gitea-signature': hmacHex(secret, body),
      };
    case 'gitee':
      return {
        ...json,
        'x-gitee-event': event ?? 'Push Hook',
        'x-gitee-timestamp': delivery,
        'x-gitee-token': secret,
      };
  }
}

/** What a push payload may vary beyond its ref and new commit. */
export interface PushOptions {
  before?: string;
  /** The commit the payload names as the branch's new head (`head_commit.id`, GitLab `checkout_sha`). */
  head?: string | null;
  cloneUrl?: string;
  /** The repository's default branch as the host names it ('main'); null: not named. */
  defaultBranch?: string | null;
  /** Fields to add or replace at the top level. */
  extra?: Record<string, unknown>;
}

/** A push payload in the sender's shape: GitHub, Gitea and Gitee name the head commit, GitLab its checkout_sha. */
export function pushBody(sender: Sender, ref: string, after: string, options: PushOptions = {}): string {
  const deleted = after === ZERO;
  const head = options.head !== undefined ? options.head : deleted ? null : after;
  const commits = deleted ? [] : [{ id: after, message: 'pushed' }];
  const defaultBranch = options.defaultBranch === undefined ? 'main' : options.defaultBranch;
  const named = defaultBranch === null ? {} : { default_branch: defaultBranch };
  // GitLab names the default branch in `project`; the others in `repository`.
  const repository = {
    name: 'app',
    clone_url: options.cloneUrl ?? 'https://example.com/app.git',
    ...(sender !== 'gitlab' && named),
  };
  const common = { ref, before: options.before ?? ZERO, after, commits, repository };
  const payload =
    sender === 'gitlab'
      ? {
          object_kind: 'push',
          ...common,
          project: { name: 'app', ...named },
          checkout_sha: head,
          total_commits_count: commits.length,
        }
      : {
          ...common,
          created: false,
          deleted,
          head_commit: head === null ? null : { id: head, message: 'pushed' },
        };
  return JSON.stringify({ ...payload, ...options.extra });
}

/** POSTs a delivery without any X-Auth-Token. */
export function deliver(kiln: TestKiln, jobId: string, headers: Record<string, string>, body: string) {
  return kiln.app.inject({ method: 'POST', url: `/v1/kiln/webhooks/${jobId}`, headers, payload: body });
}
