import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Build } from '../domain/build.ts';
import { AppError } from '../domain/errors.ts';
import { branchMatches, toJobSpec, type JobConfig } from '../domain/job-config.ts';
import type { Storage } from '../storage/ports.ts';
import type { BuildService } from './build-service.ts';
import type { SecretBox } from './secret-box.ts';

/** A delivery as received: headers (lower-case names) and the exact body bytes. */
export interface WebhookDelivery {
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/** A push started a build, or was ignored for a reason. */
export type WebhookOutcome = { started: Build } | { ignored: string };

/** Git hosts whose push events Kiln understands, and how each signs them. */
export const WEBHOOK_SENDERS = ['github', 'gitlab', 'gitea', 'gitee'] as const;
type Sender = (typeof WEBHOOK_SENDERS)[number];

function header(d: WebhookDelivery, name: string): string | undefined {
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

function senderOf(d: WebhookDelivery): Sender | undefined {
  if (header(d, 'x-gitea-event')) return 'gitea';
  if (header(d, 'x-gitee-event')) return 'gitee';
  if (header(d, 'x-github-event')) return 'github';
  if (header(d, 'x-gitlab-event')) return 'gitlab';
  return undefined;
}

/** Checks the delivery the way its host signs: an HMAC of the body, or the shared token. */
function verified(sender: Sender, d: WebhookDelivery, secret: string): boolean {
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

function isPush(sender: Sender, d: WebhookDelivery): boolean {
  const event = header(d, `x-${sender}-event`) ?? '';
  return sender === 'gitlab' || sender === 'gitee' ? event === 'Push Hook' : event === 'push';
}

/** Push webhooks: a push to a branch a job's code_update trigger names starts a build of the pushed commit. */
export class WebhookService {
  constructor(
    private readonly storage: Storage,
    private readonly secrets: SecretBox,
    private readonly builds: BuildService,
  ) {}

  async receive(jobId: string, delivery: WebhookDelivery): Promise<WebhookOutcome> {
    const job = await this.storage.jobs.findById(jobId);
    if (!job) throw new AppError('JOB_NOT_FOUND', 'job not found');
    const sender = senderOf(delivery);
    if (!sender) {
      throw new AppError(
        'INVALID_PARAM',
        'unknown sender: Kiln takes GitHub, GitLab, Gitea and Gitee push events (by their X-*-Event header)',
      );
    }
    if (!verified(sender, delivery, this.secrets.open(job.webhookSecretEnc))) {
      throw new AppError(
        'UNAUTHENTICATED',
        `the ${sender} webhook signature does not match the job's webhook secret`,
      );
    }
    if (!isPush(sender, delivery))
      return { ignored: `${header(delivery, `x-${sender}-event`)} events are not pushes` };

    let payload: { ref?: unknown; after?: unknown; checkout_sha?: unknown };
    try {
      payload = JSON.parse(delivery.body.toString('utf8')) as typeof payload;
    } catch {
      throw new AppError(
        'INVALID_BODY',
        'the webhook body is not JSON (set the content type to application/json at the git host)',
      );
    }
    const ref = typeof payload.ref === 'string' ? payload.ref : '';
    if (!ref.startsWith('refs/heads/')) return { ignored: `${ref || 'the push'} is not a branch` };
    const branch = ref.slice('refs/heads/'.length);
    const commit =
      typeof payload.after === 'string'
        ? payload.after
        : typeof payload.checkout_sha === 'string'
          ? payload.checkout_sha
          : '';
    if (/^0+$/.test(commit) || commit === '') return { ignored: `branch ${branch} was deleted` };

    const spec = toJobSpec(JSON.parse(job.config) as JobConfig);
    if (!spec.pushBranches) return { ignored: 'the job has no code_update trigger' };
    if (!branchMatches(spec.pushBranches, branch)) {
      return { ignored: `branch ${branch} is not one the trigger names (${spec.pushBranches.join(', ')})` };
    }
    if (job.disabled) return { ignored: 'the job is disabled' };
    const owner = await this.storage.users.findById(job.creatorId);
    if (!owner) return { ignored: "the job's owner no longer exists" };
    return {
      started: await this.builds.trigger(job, owner, 'CodeUpdate', { parameters: [], commit, branch }),
    };
  }

  /** The secret a git host must be given for this job. */
  secretOf(webhookSecretEnc: string): string {
    return this.secrets.open(webhookSecretEnc);
  }
}
