import type { Logger } from 'pino';
import type { Clock } from '../domain/clock.ts';
import { AppError, invalidParam } from '../domain/errors.ts';
import type { Principal, User } from '../domain/identity.ts';
import { toJobSpec } from '../domain/job-config.ts';
import type { Role } from '../domain/roles.ts';
import { isUniqueViolation } from '../storage/errors.ts';
import type { ArtifactBlobStore, JobRecord, RecycledJob, Storage, Stores } from '../storage/ports.ts';
import { effectiveRole, mayTakeOutOfBin, requireRecycledJob, viewerOf } from './access.ts';
import type { Scheduler } from './scheduler.ts';
import { storedJobDocument } from './stored-secrets.ts';
import { MAX_RECYCLE_BIN_DAYS } from '../domain/time.ts';
import { removeBuilds } from './build-removal.ts';
import type { JobLimit } from './job-limit.ts';
import { userLookup } from './user-lookup.ts';

/** Days a deleted job stays in the recycle bin unless configured otherwise. */
export const DEFAULT_RECYCLE_BIN_DAYS = 30;
/** How often the purge looks for jobs to delete for good. */
export const PURGE_SWEEP_MS = 30_000;
/** Builds deleted per transaction: small, so that no request waits long behind a purge. */
const PURGE_BATCH = 200;
/** Jobs purged per sweep; the next sweep takes the rest. */
const JOBS_PER_SWEEP = 20;
/** The most job ids one bin request may name. */
export const MAX_BIN_IDS = 100;

/**
 * Takes a job the caller checked out of the bin: the job as it is now (what its RESTORE entry
 * records). One restored or purged by another request since the check is not found there.
 */
async function restored(tx: Stores, job: JobRecord, now: number): Promise<JobRecord> {
  let back: JobRecord | undefined;
  try {
    back = await tx.jobs.restore(job.id, now);
  } catch (error) {
    if (!isUniqueViolation(error)) throw error;
    throw new AppError(
      'CONFLICT',
      `job ${job.id} cannot be restored: its project has a job named ${job.name} now; rename that one first`,
    );
  }
  if (!back) throw new AppError('JOB_NOT_FOUND', `job ${job.id} not found in the recycle bin`);
  return back;
}

/** A job in the recycle bin with the users its listing names. */
export interface RecycledSummary extends RecycledJob {
  creator: User | undefined;
}

/**
 * The recycle bin: deleted jobs keep their builds, logs and artifacts until they are restored or
 * deleted for good (by an owner, or by the purge once they have been in the bin longer than the
 * retention period). A purge deletes a job's builds in small transactions, their artifacts' bytes
 * after each, and the job last: a crash in the middle leaves a job still marked for purging, which
 * the next sweep finishes (and artifact bytes no row names, which the artifact sweep deletes). A
 * build still running (its stop was asked for at the delete) is left to end: the job goes at a
 * later sweep.
 */
export class RecycleBinService {
  private sweeping: Promise<number> | undefined;

  constructor(
    private readonly storage: Storage,
    private readonly clock: Clock,
    private readonly scheduler: Scheduler,
    private readonly blobs: ArtifactBlobStore | undefined,
    /** Days a job stays in the bin before the purge deletes it, where its domain set none. */
    private readonly defaultKeepDays: number,
    private readonly limit: JobLimit,
    private readonly logger: Logger,
  ) {}

  /** Days the jobs the caller's domain deletes stay in the bin (ListRecyclingJob's keep_time). */
  async keepDays(caller: Principal): Promise<number> {
    const domain = await this.storage.domains.findById(caller.user.domainId);
    return domain?.recycleBinDays ?? this.defaultKeepDays;
  }

  /**
   * SetKeepTime: how many days the jobs the caller's domain deletes stay in the bin, for the
   * domain's administrators. Jobs already in the bin follow the new period at the next sweep.
   */
  async setKeepDays(caller: Principal, days: number): Promise<void> {
    if (!caller.user.isAdmin)
      throw new AppError('FORBIDDEN', "only a domain administrator may set the recycle bin's keep time");
    if (!Number.isInteger(days) || days < 1 || days > MAX_RECYCLE_BIN_DAYS)
      throw invalidParam(`keep_time must be a whole number of days from 1 to ${MAX_RECYCLE_BIN_DAYS}`);
    await this.storage.domains.setRecycleBinDays(caller.user.domainId, days);
    this.kick();
  }

  /** ListRecyclingJob: the deleted jobs of the projects the caller can see, the latest first. */
  async list(
    caller: Principal,
    query: { search?: string; limit: number; offset: number },
  ): Promise<{ items: RecycledSummary[]; total: number }> {
    const { items, total } = await this.storage.jobs.listRecycled(viewerOf(caller), query);
    const user = userLookup(this.storage);
    return {
      items: await Promise.all(items.map(async (r) => ({ ...r, creator: await user(r.job.creatorId) }))),
      total,
    };
  }

  /**
   * RestoreRecyclingJobs: the jobs come back with their history, all or none. Their timers start
   * again from now (what fell due while they were deleted does not fire).
   */
  async restore(caller: Principal, jobIds: string[]): Promise<void> {
    const found = await this.find(caller, jobIds, 'build');
    const now = this.clock.now();
    await this.storage.transaction(async (tx) => {
      const perProject = new Map<string, number>();
      for (const { job } of found) perProject.set(job.projectId, (perProject.get(job.projectId) ?? 0) + 1);
      for (const [projectId, adding] of perProject) await this.limit.requireRoom(tx, projectId, adding);
      for (const { job: checked } of found) {
        const job = await restored(tx, checked, now);
        await tx.jobVersions.add({
          jobId: job.id,
          change: 'RESTORE',
          userId: caller.user.id,
          config: job.config,
          createdAt: now,
        });
        await this.scheduler.track(tx, job.id, toJobSpec(storedJobDocument(job.config)), now);
      }
    });
  }

  /** DeleteRecyclingJobs: deletes jobs for good (owners only); the purge does it in the background. */
  async purge(caller: Principal, jobIds: string[]): Promise<void> {
    const found = await this.find(caller, jobIds, 'purge');
    // All or none, as checked: a job restored (or purged) by another request since the check
    // makes the whole request not found rather than a 200 for a job that stays.
    await this.storage.transaction(async (tx) => {
      if ((await tx.jobs.requestPurge(found.map((f) => f.job.id))) < found.length)
        throw new AppError(
          'JOB_NOT_FOUND',
          'not found in the recycle bin: another request restored or deleted for good a job meanwhile',
        );
    });
    this.kick();
  }

  /**
   * ClearRecyclingJobs: deletes for good every job in the bin the caller may delete for good (the
   * jobs of projects they own that their matrix lets them delete, as DeleteRecyclingJobs asks);
   * the others stay. Returns how many went.
   */
  async clear(caller: Principal): Promise<number> {
    const ids: string[] = [];
    // The caller's role per project, asked once per project however many of its jobs are binned.
    const roles = new Map<string, Promise<Role | undefined>>();
    const roleIn = (projectId: string) => {
      let role = roles.get(projectId);
      if (!role) roles.set(projectId, (role = this.storage.projects.findRole(projectId, caller.user.id)));
      return role;
    };
    for (let offset = 0; ; offset += 500) {
      const { items } = await this.storage.jobs.listRecycled(viewerOf(caller), { limit: 500, offset });
      for (const { job } of items) {
        const role = effectiveRole(caller.user, await roleIn(job.projectId));
        if (await mayTakeOutOfBin(this.storage, caller.user, job, role, 'purge')) ids.push(job.id);
      }
      if (items.length < 500) break;
    }
    // Those restored or purged by another request meanwhile are not counted.
    const purged = await this.storage.jobs.requestPurge(ids);
    this.kick();
    return purged;
  }

  /**
   * Deletes for good the jobs whose purge was asked for and those in the bin longer than the
   * retention period. Returns how many jobs went. One sweep at a time per server.
   */
  sweep(): Promise<number> {
    this.sweeping ??= this.purgeDue().finally(() => {
      this.sweeping = undefined;
    });
    return this.sweeping;
  }

  private kick(): void {
    this.sweep().catch((error: unknown) => this.logger.warn({ err: error }, 'purging deleted jobs failed'));
  }

  private async purgeDue(): Promise<number> {
    let removed = 0;
    const due = await this.storage.jobs.listPurgeable(this.clock.now(), this.defaultKeepDays, JOBS_PER_SWEEP);
    for (const jobId of due) {
      // A job whose keep time ran out stays listed until here: taken out of the bin's reach first,
      // so a restore cannot bring it back while its builds go (or skipped when one just did).
      if (!(await this.storage.jobs.claimPurge(jobId))) continue;
      const builds = await this.purgeBuilds(jobId);
      if (await this.storage.transaction((tx) => tx.jobs.removePurged(jobId))) {
        removed++;
        this.logger.info({ jobId, builds }, 'deleted a job for good');
      }
    }
    return removed;
  }

  /** Deletes a job's builds a batch at a time, each batch's artifact bytes after its rows. */
  private async purgeBuilds(jobId: string): Promise<number> {
    let deleted = 0;
    for (;;) {
      const ids = await this.storage.builds.someFinishedIdsOfJob(jobId, PURGE_BATCH);
      if (ids.length === 0) return deleted;
      deleted += await removeBuilds(this.storage, this.blobs, ids);
    }
  }

  private async find(caller: Principal, jobIds: string[], action: 'build' | 'purge') {
    if (jobIds.length === 0) throw invalidParam('job_ids: name at least one job');
    if (jobIds.length > MAX_BIN_IDS) throw invalidParam(`job_ids: at most ${MAX_BIN_IDS} jobs at a time`);
    const unique = [...new Set(jobIds)];
    return Promise.all(unique.map((id) => requireRecycledJob(this.storage, caller, id, action)));
  }
}
