import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { Build } from '../domain/build.ts';
import type { Clock } from '../domain/clock.ts';
import { AppError, type AppErrorCode } from '../domain/errors.ts';
import { branchMatches, toJobSpec } from '../domain/job-config.ts';
import { isId32 } from '../domain/ids.ts';
import { maskUrlCredentials } from '../domain/url-credentials.ts';
import { storedJobDocument } from './stored-secrets.ts';
import type { JobRecord, Storage, WebhookReceipt } from '../storage/ports.ts';
import type { Principal } from '../domain/identity.ts';
import { mayRunAs, requireJob, triggerUserId } from './access.ts';
import type { BuildService } from './build-service.ts';
import { readPush } from './push-payload.ts';
import { whyNotThisRepository } from './push-repository.ts';
import type { SecretBox } from './secret-box.ts';
import {
  eventOf,
  header,
  isPush,
  kindTells,
  replayId,
  replayKeys,
  senderOf,
  SIGNATURE_HEADERS,
  signedInstant,
  unsigned,
  verified,
  type ReplayKey,
  type Sender,
  type WebhookDelivery,
} from './webhook-senders.ts';

/** A push started a build, or was ignored for a reason. */
export type WebhookOutcome = { started: Build } | { ignored: string };

/**
 * How long a delivery that built is remembered: a replay within this time builds nothing. Hosts
 * redeliver for a few days at most (GitHub: 3); a replay after this would build the same commit
 * of the same branch again.
 */
export const DELIVERY_RETENTION_MS = 30 * 24 * 3_600_000;

/** What a build's transaction refuses when the job or its last editor changed since the checks. */
const CHANGED_MEANWHILE = new Set<AppErrorCode>(['JOB_NOT_FOUND', 'JOB_DISABLED', 'FORBIDDEN']);

/** How far from the server's time a signed Gitee timestamp may be (Gitee: refuse over an hour). */
const SIGNED_INSTANT_MS = 3_600_000;

/** How many of a job's latest deliveries are kept to be shown (with what came of each). */
export const RECEIPTS_KEPT = 50;

/**
 * How many of a job's latest deliveries refused as unauthenticated (no signature or token, a wrong
 * one, no host's event header) are kept besides: kept apart, since anyone who knows the job's
 * webhook URL can send them, and so never displacing one of the RECEIPTS_KEPT.
 */
export const UNAUTHENTICATED_RECEIPTS_KEPT = 20;

/**
 * Push webhooks: a push to a branch a job's code_update trigger names starts a build of the
 * commit the branch now points to, once per delivery, as whoever last saved the job (access.ts
 * triggerUserId) while they may still run jobs in the project.
 */
export class WebhookService {
  constructor(
    private readonly storage: Storage,
    private readonly secrets: SecretBox,
    private readonly builds: BuildService,
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {}

  /**
   * Receives a delivery; the service log says what came of it (and why a push built nothing), and
   * so does the job's list of recent deliveries (refusals included).
   */
  async receive(jobId: string, delivery: WebhookDelivery): Promise<WebhookOutcome> {
    const receivedAt = this.clock.now();
    let outcome: WebhookOutcome;
    try {
      outcome = await this.handle(jobId, delivery);
    } catch (error) {
      if (error instanceof AppError && error.code !== 'JOB_NOT_FOUND')
        await this.remember(jobId, delivery, receivedAt, {
          outcome: 'refused',
          error: error.code,
          reason: maskUrlCredentials(error.message),
        });
      throw error;
    }
    await this.remember(
      jobId,
      delivery,
      receivedAt,
      'ignored' in outcome
        ? { outcome: 'ignored', reason: maskUrlCredentials(outcome.ignored) }
        : { outcome: 'started', buildNumber: outcome.started.number },
    );
    if ('ignored' in outcome)
      // The reason may quote the payload (a branch name): no URL in it keeps its credentials.
      this.logger.info({ jobId, reason: maskUrlCredentials(outcome.ignored) }, 'webhook ignored');
    else this.logger.info({ jobId, recordId: outcome.started.recordId }, 'webhook started a build');
    return outcome;
  }

  /**
   * Whether a delivery for `jobId` could be taken: the job is there. Asked before a delivery's body
   * is read (up to 25 MiB, before any signature can be checked), so that one for no job costs no
   * more than its headers.
   */
  async jobExists(jobId: string): Promise<boolean> {
    return isId32(jobId) && (await this.storage.jobs.findById(jobId)) !== undefined;
  }

  private async handle(jobId: string, delivery: WebhookDelivery): Promise<WebhookOutcome> {
    const job = await this.storage.jobs.findById(jobId);
    if (!job) throw new AppError('JOB_NOT_FOUND', 'job not found');
    const sender = senderOf(delivery);
    if (!sender) {
      throw new AppError(
        'INVALID_PARAM',
        "unknown sender: Kiln takes GitHub, GitLab, Gitea and Gitee push events (by their X-*-Event header) and CodeArts Repo ones (by their token header: X-Repo-Token, X-Gitlab-Token or X-Auth-Token, so give CodeArts Repo the job's webhook secret as the token)",
      );
    }
    if (unsigned(sender, delivery)) {
      throw new AppError(
        'UNAUTHENTICATED',
        `the ${sender} delivery has no ${SIGNATURE_HEADERS[sender]} header: give the git host the job's webhook secret (kiln jobs webhook JOB shows it)`,
      );
    }
    const secret = this.secrets.open(job.webhookSecretEnc);
    if (!verified(sender, delivery, secret)) {
      throw new AppError(
        'UNAUTHENTICATED',
        `the ${sender} webhook signature does not match the job's webhook secret`,
      );
    }
    const instant = signedInstant(sender, delivery, secret);
    const keys = replayKeys(sender, delivery);
    if (instant === undefined) return this.handlePush(job, sender, delivery, keys);
    // A signature of an instant, not of the body: whoever sees it could send it with another body.
    // So it is good for an hour (Gitee's own advice) and once: remembered before anything else is
    // done with it (a copy sent meanwhile, or after a refusal, is a duplicate).
    if (!(Math.abs(this.clock.now() - instant) <= SIGNED_INSTANT_MS))
      throw new AppError(
        'UNAUTHENTICATED',
        `the ${sender} delivery's signed X-Gitee-Timestamp is more than an hour from the server's time: refused as a replay`,
      );
    const duplicate = await this.firstTime(this.storage.webhookDeliveries, job.id, keys);
    return duplicate ? { ignored: duplicate } : this.handlePush(job, sender, delivery, []);
  }

  /** A verified delivery: a build of the pushed commit, or why none. */
  private async handlePush(
    job: JobRecord,
    sender: Sender,
    delivery: WebhookDelivery,
    /** Remembered with the build it starts (a delivery builds once). */
    keys: ReplayKey[],
  ): Promise<WebhookOutcome> {
    if (!isPush(sender, delivery)) return { ignored: `${eventOf(sender, delivery)} events are not pushes` };
    const push = readPush(
      sender,
      delivery.body,
      header(delivery, 'content-type') ?? '',
      kindTells(sender, delivery),
    );
    if ('ignored' in push) return push;
    const why =
      (await this.whyNot(job, push.branch, push.defaultBranch, push.repositories)) ??
      (await this.whyNotBuilder(job));
    if (typeof why === 'string') return { ignored: why };
    let outcome: Awaited<ReturnType<BuildService['triggerAdmitted']>>;
    try {
      outcome = await this.builds.triggerAdmitted(
        job,
        why.owner,
        'CodeUpdate',
        { parameters: [], commit: push.commit, branch: push.branch },
        (tx) => this.firstTime(tx.webhookDeliveries, job.id, keys),
        true,
      );
    } catch (error) {
      // The job or its last editor changed between the checks above and the build's transaction
      // (disabled, deleted, rights gone): the push is ignored for it, as it would have been a
      // moment later.
      if (error instanceof AppError && CHANGED_MEANWHILE.has(error.code)) return { ignored: error.message };
      throw error;
    }
    return 'refused' in outcome ? { ignored: outcome.refused } : { started: outcome };
  }

  /** Adds the delivery to the job's recent ones; a failure to is logged, never the delivery's. */
  private async remember(
    jobId: string,
    delivery: WebhookDelivery,
    receivedAt: number,
    what: Pick<WebhookReceipt, 'outcome'> & Partial<Pick<WebhookReceipt, 'error' | 'reason' | 'buildNumber'>>,
  ): Promise<void> {
    const sender = senderOf(delivery);
    const id = sender ? replayId(sender, delivery) : '';
    try {
      await this.storage.webhookDeliveries.record(
        {
          id: randomUUID(),
          jobId,
          receivedAt,
          sender: sender ?? '',
          event: sender ? eventOf(sender, delivery).slice(0, 100) : '',
          delivery: id.slice(0, 100),
          error: '',
          buildNumber: null,
          ...what,
          // What a refusal or an ignored push says may quote the payload: kept short.
          reason: (what.reason ?? '').slice(0, 500),
        },
        { authenticated: RECEIPTS_KEPT, unauthenticated: UNAUTHENTICATED_RECEIPTS_KEPT },
      );
    } catch (error) {
      this.logger.warn({ err: error, jobId }, 'could not record a webhook delivery');
    }
  }

  /**
   * A job's latest deliveries, newest first (for those who may see its webhook): up to
   * RECEIPTS_KEPT and UNAUTHENTICATED_RECEIPTS_KEPT unauthenticated ones among them.
   */
  async recent(caller: Principal, jobId: string): Promise<WebhookReceipt[]> {
    await requireJob(this.storage, caller, jobId, 'modify');
    return this.storage.webhookDeliveries.recent(jobId, RECEIPTS_KEPT + UNAUTHENTICATED_RECEIPTS_KEPT);
  }

  /**
   * Why the job does not build this push, if it does not: another repository's (push-repository.ts),
   * or a branch it does not watch. A trigger of a job whose repository names no branch watches the
   * repository's default branch, which the push names.
   */
  private async whyNot(
    job: JobRecord,
    branch: string,
    defaultBranch: string | undefined,
    repositories: string[],
  ): Promise<string | undefined> {
    const spec = toJobSpec(storedJobDocument(job.config));
    if (!spec.pushBranches) return 'the job has no code_update trigger';
    const other = whyNotThisRepository(spec.scm, repositories);
    if (other) return other;
    const patterns = spec.pushBranches.flatMap((p) =>
      p !== '' ? [p] : defaultBranch ? [defaultBranch] : [],
    );
    if (patterns.length === 0)
      return "the job's repository names no branch and the delivery does not say which is the repository's default branch: name the branch in the job (scms[0].branch) or in the trigger";
    if (!branchMatches(patterns, branch))
      return `branch ${branch} is not one the trigger names (${patterns.join(', ')})`;
    if (job.disabled) return 'the job is disabled';
    return undefined;
  }

  /**
   * The user a push builds as (the job's last editor, triggerUserId), or why they cannot: gone,
   * disabled, or no longer allowed to run jobs here.
   */
  private async whyNotBuilder(job: JobRecord) {
    const owner = await this.storage.users.findById(await triggerUserId(this.storage, job));
    const as = 'and pushes build as the user who last saved the job';
    if (!owner) return `the job's last editor no longer exists, ${as}`;
    if (owner.disabled) return `the job's last editor ${owner.name} is disabled, ${as}`;
    if (!(await mayRunAs(this.storage, owner, job)))
      return `the job's last editor ${owner.name} may no longer run jobs in this project, ${as}`;
    return { owner };
  }

  /** Remembers the delivery's keys; the duplicate's reason when one was remembered before. */
  private async firstTime(
    store: Storage['webhookDeliveries'],
    jobId: string,
    keys: ReplayKey[],
  ): Promise<string | undefined> {
    const now = this.clock.now();
    for (const k of keys) if (!(await store.remember(jobId, k.key, now))) return k.duplicate;
    return undefined;
  }

  /** Forgets deliveries older than the retention period; returns how many. */
  purgeDeliveries(): Promise<number> {
    return this.storage.webhookDeliveries.deleteBefore(this.clock.now() - DELIVERY_RETENTION_MS);
  }

  /** The secret a git host must be given for this job. */
  secretOf(webhookSecretEnc: string): string {
    return this.secrets.open(webhookSecretEnc);
  }
}
