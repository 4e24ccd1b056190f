import { createTwoFilesPatch } from 'diff';
import type { JobListQuery } from '../domain/job-list.ts';
import { MASK, type Build } from '../domain/build.ts';
import type { Clock } from '../domain/clock.ts';
import { AppError, invalidParam } from '../domain/errors.ts';
import { HEALTH_WINDOW, healthScore } from '../domain/health.ts';
import { newId32, newSecret } from '../domain/ids.ts';
import type { Principal, User } from '../domain/identity.ts';
import {
  checkJobConfig,
  maskSensitiveDefaults,
  restoreSensitiveDefaults,
  toJobSpec,
  withKeptFields,
} from '../domain/job-config.ts';
import { parseJobDocument, type JobConfig } from '../domain/job-document.ts';
import { parameterSpec } from '../domain/job-parameters.ts';
import { DEFAULT_PARAMETERS } from '../domain/parameter-kinds.ts';
import { noticeWebhookProblem } from '../domain/notice-webhooks.ts';
import { noticeJobChange } from './notice-outbox.ts';
import { maskRepositoryCredentials, restoreRepositoryCredentials } from '../domain/job-secrets.ts';
import type { Role } from '../domain/roles.ts';
import type { PermissionSet } from '../domain/job-permissions.ts';
import { isUniqueViolation } from '../storage/errors.ts';
import type { JobChange, JobRecord, JobVersion, Storage, Stores } from '../storage/ports.ts';
import { jobPermissions, requireJob, requireProject, viewerOf } from './access.ts';
import type { JobLimit } from './job-limit.ts';
import type { BuildEvents } from './build-events.ts';
import type { Scheduler, UpcomingTimer } from './scheduler.ts';
import type { SecretBox } from './secret-box.ts';
import { repositoryNameOf } from '../domain/scm.ts';
import { storedJobDocument, type StoredSecrets } from './stored-secrets.ts';
import { userLookup } from './user-lookup.ts';
import { abortQueued } from './stopping.ts';
import { DAY_MS } from '../domain/time.ts';
import { groupForJob } from './job-group-service.ts';

/** A job in a list, with what the list shows about its latest build. */
export interface JobSummary {
  job: JobRecord;
  /** The caller marked it a favourite. */
  favorite: boolean;
  config: JobConfig;
  creator: User | undefined;
  last: Build | undefined;
  lastUser: User | undefined;
  healthScore: number;
  role: Role;
  /** What the caller may do with it. */
  permissions: PermissionSet;
}

/** The days ShowSummaryBuildJobInfo's success ratio covers. */
export const SUMMARY_DAYS = 30;

/** Random bytes of a webhook secret (32 characters of base64url). */
const WEBHOOK_SECRET_BYTES = 24;

/**
 * The document as stored: a job's group is its row's (MoveGroup changes it without changing the
 * document), so the document's `group_id` is read at create and update and not kept.
 */
function withoutGroup(config: JobConfig): JobConfig {
  const { group_id: _, ...rest } = config;
  return rest;
}

/** The document as read: `group_id` is the job's group. */
function withGroup(config: JobConfig, job: JobRecord): JobConfig {
  const rest = withoutGroup(config);
  return job.groupId === undefined ? rest : { ...rest, group_id: job.groupId };
}

/** The document with the default build parameters (DEFAULT_PARAMETERS) it does not define itself. */
function withDefaultParameters(config: JobConfig): JobConfig {
  const own = config.parameters ?? [];
  const defined = new Set(own.map((d) => parameterSpec(d).name));
  const missing = DEFAULT_PARAMETERS.filter((d) => !defined.has(parameterSpec(d).name));
  return missing.length === 0 ? config : { ...config, parameters: [...own, ...missing] };
}

function checked(config: JobConfig): JobConfig {
  const issues = checkJobConfig(config);
  if (issues.length > 0) throw invalidParam(issues.map((i) => `${i.field}: ${i.message}`).join('; '));
  return parseJobDocument(config);
}

/**
 * A stored document as `role` may see it: sensitive defaults masked for everyone, repository
 * credentials for those who may not edit the job (an editor can change them anyway, and an update
 * that sends back what they read must keep them).
 */
function shown(config: JobConfig, canModify: boolean): JobConfig {
  const masked = maskSensitiveDefaults(config, MASK);
  return canModify ? masked : maskRepositoryCredentials(masked);
}

/**
 * The job a write of a live job changed; a job deleted since the caller's check (the write
 * changed no row) is not found, as it would have been a moment later: the answer CodeArts gives
 * for a deleted job, and no history entry, notification or schedule for it.
 */
function changed(job: JobRecord | undefined): JobRecord {
  if (!job) throw new AppError('JOB_NOT_FOUND', 'job not found');
  return job;
}

/** A job record without its group (the update's `group_id` puts it in another, or in none). */
function withoutGroupId(job: JobRecord): JobRecord {
  const { groupId: _, ...rest } = job;
  return rest;
}

/** Creating, changing, listing, disabling and deleting jobs. */
export class JobService {
  constructor(
    private readonly storage: Storage,
    private readonly clock: Clock,
    private readonly secrets: SecretBox,
    private readonly stored: StoredSecrets,
    private readonly events: BuildEvents,
    private readonly scheduler: Scheduler,
    private readonly limit: JobLimit,
  ) {}

  private conflict(error: unknown, name: string): unknown {
    return isUniqueViolation(error)
      ? new AppError('CONFLICT', `a job named ${name} already exists in this project`)
      : error;
  }

  /** CreateBuildJob: checks the document and stores it with a fresh id and webhook secret. */
  async create(caller: Principal, input: JobConfig): Promise<JobRecord> {
    await requireProject(this.storage, caller, input.project_id, 'build');
    const config = withoutGroup(checked(input));
    const now = this.clock.now();
    let job: JobRecord = {
      id: newId32(),
      projectId: config.project_id,
      name: config.job_name,
      creatorId: caller.user.id,
      config: this.stored.jobConfigText(config),
      disabled: false,
      disabledReason: '',
      webhookSecretEnc: this.secrets.seal(newSecret(WEBHOOK_SECRET_BYTES)),
      lastBuildNumber: 0,
      createdAt: now,
      updatedAt: now,
      recordsVersion: 0,
    };
    try {
      await this.storage.transaction(async (tx) => {
        await this.limit.requireRoom(tx, job.projectId, 1);
        const groupId = await groupForJob(tx, job.projectId, input.group_id);
        if (groupId !== undefined) job = { ...job, groupId };
        await tx.jobs.insert(job);
        await this.recordChange(tx, caller, job, 'CREATE', job.config, now);
        await this.scheduler.track(tx, job.id, toJobSpec(config), now);
      });
    } catch (error) {
      throw this.conflict(error, config.job_name);
    }
    return job;
  }

  /**
   * UpdateBuildJob: replaces the document. Fields the CodeArts update body cannot carry (timeout,
   * triggers...) keep their stored values when the body leaves them out; a sensitive default or a
   * repository URL sent back masked, as it was read, keeps its stored value. A `group_id` moves
   * the job into that group ('': into none); without one the job stays where it is.
   */
  async update(caller: Principal, jobId: string, input: JobConfig): Promise<JobRecord> {
    const { job } = await requireJob(this.storage, caller, jobId, 'modify');
    if (input.project_id !== job.projectId)
      throw invalidParam('project_id: a job cannot move to another project');
    const now = this.clock.now();
    try {
      return await this.storage.transaction(async (tx) => {
        // Completed from the document as it is now, its row locked: what the body leaves out
        // (timeout, triggers, kiln, masked secrets) keeps the value this write replaces, not one
        // read before another change committed (a lost update). A job deleted since it was read
        // fails as an update of a deleted job does.
        const current = changed(await tx.jobs.lockLive(job.id));
        const config = withoutGroup(this.withStored(input, current));
        const text = this.stored.jobConfigText(config);
        let updated = changed(await tx.jobs.updateConfig(job.id, config.job_name, text, now));
        if (input.group_id !== undefined) {
          const groupId = await groupForJob(tx, job.projectId, input.group_id);
          await tx.jobs.setGroup(job.projectId, [job.id], groupId ?? null);
          updated = { ...withoutGroupId(updated), ...(groupId !== undefined && { groupId }) };
        }
        await this.recordChange(tx, caller, updated, 'UPDATE', text, now);
        await this.scheduler.track(tx, job.id, toJobSpec(config), now);
        return updated;
      });
    } catch (error) {
      throw this.conflict(error, input.job_name);
    }
  }

  /**
   * `input` completed from a stored job: a sensitive default or a repository URL sent back masked,
   * as it was read, keeps the stored value; what the CodeArts body cannot carry (timeout,
   * triggers...) keeps the stored value when left out (withKeptFields). `secrets` says whether the
   * stored secrets were needed.
   */
  private completed(input: JobConfig, job: JobRecord): { config: JobConfig; secrets: boolean } {
    const stored = this.stored.jobConfig(job.config, true);
    const restored = restoreRepositoryCredentials(restoreSensitiveDefaults(input, stored, MASK), stored);
    return {
      config: checked(parseJobDocument(withKeptFields(restored, stored))),
      secrets: JSON.stringify(restored) !== JSON.stringify(input),
    };
  }

  private withStored(input: JobConfig, job: JobRecord): JobConfig {
    return this.completed(input, job).config;
  }

  /**
   * CopyJob: a new job from the body, completed from the job it copies as an update would be (so
   * the masked secrets a client read come along), in the body's group or else, within the
   * source's project, the source's. Copying needs `copy` on the source; bringing its secrets
   * along also needs `modify` (what reading them needs), so a copy cannot reveal them.
   */
  async copy(caller: Principal, sourceId: string, input: JobConfig): Promise<JobRecord> {
    const { job: source, permissions } = await requireJob(this.storage, caller, sourceId, 'copy');
    const { config, secrets } = this.completed(input, source);
    if (secrets && !permissions.modify)
      throw new AppError(
        'FORBIDDEN',
        "copying this job's repository credentials or sensitive parameter values needs permission to change the job: send new values instead of the masked ones",
      );
    const groupId = input.group_id ?? (input.project_id === source.projectId ? source.groupId : undefined);
    return this.create(caller, { ...config, ...(groupId !== undefined && { group_id: groupId }) });
  }

  /** ShowCopyName: the first of `<name>-copy-1`, `-copy-2`, ... no live job of its project has. */
  async copyName(caller: Principal, jobId: string): Promise<string> {
    const { job } = await requireJob(this.storage, caller, jobId, 'view');
    for (let n = 1; ; n++) {
      const name = `${job.name}-copy-${n}`;
      if (!(await this.storage.jobs.findByName(job.projectId, name))) return name;
    }
  }

  /**
   * CheckWebhookUrl: a 400 saying what is wrong unless `url` is a robot webhook of the notice
   * type's chat service, for someone who may change the job.
   */
  async checkNoticeWebhook(caller: Principal, jobId: string, type: string, url: string): Promise<void> {
    await requireJob(this.storage, caller, jobId, 'modify');
    const problem = noticeWebhookProblem(type, url);
    if (problem !== undefined) throw invalidParam(problem);
  }

  /** CheckJobNameIsExists: whether a live job of the project has this name. */
  async nameTaken(caller: Principal, projectId: string, name: string): Promise<boolean> {
    await requireProject(this.storage, caller, projectId, 'read');
    return (await this.storage.jobs.findByName(projectId, name)) !== undefined;
  }

  /** ShowDisable: whether the job is disabled, why, by whom and since when (its history says). */
  async disabledState(
    caller: Principal,
    jobId: string,
  ): Promise<{ job: JobRecord; by: User | undefined; since: number | undefined }> {
    const { job } = await requireJob(this.storage, caller, jobId, 'view');
    if (!job.disabled) return { job, by: undefined, since: undefined };
    const { items } = await this.storage.jobVersions.list(job.id, 1, 0);
    const last = items[0]?.change === 'DISABLE' ? items[0] : undefined;
    return { job, by: last && (await this.storage.users.findById(last.userId)), since: last?.createdAt };
  }

  /**
   * The stored document as the caller may see it (ListJobConfig, ShowJobConfig); `allParams`
   * (get_all_params) adds the default build parameters a run takes that the job does not define.
   */
  async config(caller: Principal, jobId: string, allParams = false): Promise<JobConfig> {
    const { job, permissions } = await requireJob(this.storage, caller, jobId, 'view');
    const config = withGroup(shown(this.stored.jobConfig(job.config, true), permissions.modify), job);
    return allParams ? withDefaultParameters(config) : config;
  }

  /**
   * The job and its document with every secret masked, whatever the caller's role (views made
   * from the document: pipeline info, the default build.yml).
   */
  async maskedDocument(caller: Principal, jobId: string): Promise<{ job: JobRecord; config: JobConfig }> {
    const { job } = await requireJob(this.storage, caller, jobId, 'view');
    const config = maskRepositoryCredentials(maskSensitiveDefaults(storedJobDocument(job.config), MASK));
    return { job, config };
  }

  /** Kiln's ListJobSchedules: the job's timer triggers and when each next builds (Scheduler.upcoming). */
  async schedules(caller: Principal, jobId: string): Promise<{ job: JobRecord; timers: UpcomingTimer[] }> {
    const { job } = await requireJob(this.storage, caller, jobId, 'view');
    return { job, timers: await this.scheduler.upcoming(job) };
  }

  /**
   * DeleteBuildJob: the job moves to the recycle bin (RecycleBinService) with its history, and its
   * work stops. In the transaction that deletes it, its queued builds leave the queue (ABORTED,
   * with a log line saying why) and its running ones are asked to stop (their runner's next
   * heartbeat carries the request; the runner kills the step's process group and reports ABORTED).
   * Once deleted the job is invisible to the API, so nobody could stop them later. A run racing
   * the delete gets no build number (JobStore).
   */
  async remove(caller: Principal, jobId: string): Promise<JobRecord> {
    const [job] = await this.removeMany(caller, [jobId]);
    return job!;
  }

  /**
   * BatchDeleteBuildJobs: `remove` of several jobs, all or none (each checked first). A job
   * another request deleted after the check is not found, as a job deleted before it is: only
   * the delete that moved it to the bin records it and stops its work.
   */
  async removeMany(caller: Principal, jobIds: string[]): Promise<JobRecord[]> {
    const unique = [...new Set(jobIds)];
    const checked = await Promise.all(
      unique.map(async (id) => (await requireJob(this.storage, caller, id, 'delete')).job),
    );
    const now = this.clock.now();
    const reason = `the job was deleted by ${caller.user.name} before the build started`;
    const { jobs, aborted, stopping } = await this.storage.transaction(async (tx) => {
      const ended = { jobs: [] as JobRecord[], aborted: [] as string[], stopping: [] as string[] };
      for (const { id } of checked) {
        const job = changed(await tx.jobs.markDeleted(id, caller.user.id, now));
        ended.jobs.push(job);
        await this.recordChange(tx, caller, job, 'DELETE', job.config, now);
        await tx.schedules.retain(job.id, []);
        for (const build of await tx.builds.listActive(job.id)) {
          if (await abortQueued(tx, build, now, reason)) ended.aborted.push(build.recordId);
          else if (await tx.builds.requestCancel(build.recordId)) ended.stopping.push(build.recordId);
        }
      }
      return ended;
    });
    for (const recordId of aborted) this.events.finished(recordId, 'ABORTED');
    for (const recordId of stopping) this.events.publish('cancel', recordId);
    return jobs;
  }

  /**
   * DisableJob / EnableJob: a job deleted since the check is not found (its history ends at
   * DELETE). A job already as asked is left alone: no history entry, no notification, and who
   * disabled it and when (ShowDisable, read from the history) stay true.
   */
  async setDisabled(caller: Principal, jobId: string, disabled: boolean, reason = ''): Promise<void> {
    const { job } = await requireJob(this.storage, caller, jobId, 'forbidden');
    const now = this.clock.now();
    await this.storage.transaction(async (tx) => {
      // Read under the row's lock, so two requests at once cannot both see the old state.
      if (changed(await tx.jobs.lockLive(job.id)).disabled === disabled) return;
      const set = changed(await tx.jobs.setDisabled(job.id, disabled, disabled ? reason : '', now));
      await this.recordChange(tx, caller, set, disabled ? 'DISABLE' : 'ENABLE', set.config, now);
    });
  }

  /**
   * Keeps a change in the job's history and writes the notifications it causes (run it in the
   * change's transaction, after its write; `job` as it is after the change).
   */
  private async recordChange(
    tx: Stores,
    caller: Principal,
    job: JobRecord,
    change: JobChange,
    config: string,
    now: number,
  ): Promise<void> {
    await tx.jobVersions.add({ jobId: job.id, change, userId: caller.user.id, config, createdAt: now });
    await noticeJobChange(tx, job, change, caller.user.name, now);
  }

  /** AddFavouriteTask / RemoverFavouriteTask: anyone who may read the job. */
  async setFavourite(caller: Principal, jobId: string, favourite: boolean): Promise<void> {
    const { job } = await requireJob(this.storage, caller, jobId, 'view');
    await this.storage.jobs.setFavourite(job.id, caller.user.id, favourite, this.clock.now());
  }

  /** ListUpdateJobHistory: a page of the job's changes, the latest first, with who made each. */
  async history(
    caller: Principal,
    jobId: string,
    page: { limit: number; offset: number },
  ): Promise<{ items: { version: JobVersion; user: User | undefined }[]; total: number }> {
    const { job } = await requireJob(this.storage, caller, jobId, 'view');
    const { items, total } = await this.storage.jobVersions.list(job.id, page.limit, page.offset);
    const user = userLookup(this.storage);
    return {
      items: await Promise.all(items.map(async (version) => ({ version, user: await user(version.userId) }))),
      total,
    };
  }

  /**
   * ShowJobConfigDiff: a unified diff from version `original` to version `revised` of the job's
   * document, each as the caller may see it (secrets masked as in ListJobConfig).
   */
  async diff(caller: Principal, jobId: string, original: number, revised: number): Promise<string> {
    const { job, permissions } = await requireJob(this.storage, caller, jobId, 'view');
    const text = async (n: number) => {
      const version = await this.storage.jobVersions.find(job.id, n);
      if (!version) throw new AppError('NOT_FOUND', `version ${n} of this job not found`);
      const config = shown(this.stored.jobConfig(version.config, true), permissions.modify);
      return `${JSON.stringify(config, null, 2)}\n`;
    };
    const [a, b] = [await text(original), await text(revised)];
    return createTwoFilesPatch(`version ${original}`, `version ${revised}`, a, b, undefined, undefined, {
      context: 3,
    });
  }

  /** The push-webhook secret of a job (developers and up). */
  async webhookSecret(caller: Principal, jobId: string): Promise<string> {
    const { job } = await requireJob(this.storage, caller, jobId, 'modify');
    return this.secrets.open(job.webhookSecretEnc);
  }

  /**
   * Replaces the push-webhook secret with a new random one (developers and up) and returns it; it
   * is stored encrypted, and deliveries signed with the old one are refused from now on.
   */
  async rotateWebhookSecret(caller: Principal, jobId: string): Promise<string> {
    const { job } = await requireJob(this.storage, caller, jobId, 'modify');
    const secret = newSecret(WEBHOOK_SECRET_BYTES);
    await this.storage.jobs.setWebhookSecret(job.id, this.secrets.seal(secret), this.clock.now());
    return secret;
  }

  /** ShowJobInfo: one job as the lists show it. */
  async info(caller: Principal, jobId: string): Promise<JobSummary> {
    const { job, role, permissions } = await requireJob(this.storage, caller, jobId, 'view');
    const favourite = await this.storage.jobs.isFavourite(job.id, caller.user.id);
    return this.summary(job, favourite, role, permissions, userLookup(this.storage));
  }

  /** A job with its latest build, health and users (`user` finds each once across a page). */
  private async summary(
    job: JobRecord,
    favorite: boolean,
    role: Role,
    permissions: PermissionSet,
    user: (id: string) => Promise<User | undefined>,
  ): Promise<JobSummary> {
    const [last, states] = await Promise.all([
      this.storage.builds.latest(job.id),
      this.storage.builds.latestCountedStates(job.id, HEALTH_WINDOW),
    ]);
    return {
      job,
      favorite,
      config: shown(this.stored.jobConfig(job.config, true), permissions.modify),
      creator: await user(job.creatorId),
      last,
      lastUser: last && (await user(last.userId)),
      healthScore: healthScore(states),
      role,
      permissions,
    };
  }

  /**
   * ShowLastHistory: the latest successful build, among the project's jobs, of a repository named
   * `repositoryName` (a job's `scms[].repo_name`, or its URL's last segment without `.git`).
   */
  async lastSuccessOfRepository(
    caller: Principal,
    projectId: string,
    repositoryName: string,
  ): Promise<{ job: JobRecord; build: Build }> {
    await requireProject(this.storage, caller, projectId, 'read');
    let found: { job: JobRecord; build: Build } | undefined;
    const query = { limit: 100, sort: { field: 'job_name', descending: false } } as const;
    for (let offset = 0; ; offset += query.limit) {
      const { items } = await this.storage.jobs.listByProject(
        projectId,
        { ...query, offset },
        viewerOf(caller),
      );
      for (const job of items) {
        const scms = storedJobDocument(job.config).scms ?? [];
        if (!scms.some((s) => (s.repo_name || repositoryNameOf(s.url)) === repositoryName)) continue;
        const build = await this.storage.builds.lastSuccessful(job.id);
        if (build && (!found || (build.finishedAt ?? 0) > (found.build.finishedAt ?? 0)))
          found = { job, build };
      }
      if (items.length < query.limit) break;
    }
    if (!found)
      throw new AppError(
        'BUILD_NOT_FOUND',
        `no job of this project has built repository ${repositoryName} successfully`,
      );
    return found;
  }

  /** A project's jobs, a page at a time, with each one's latest build and health. */
  async list(
    caller: Principal,
    projectId: string,
    query: JobListQuery,
  ): Promise<{ items: JobSummary[]; total: number }> {
    const { role } = await requireProject(this.storage, caller, projectId, 'read');
    const { items, total } = await this.storage.jobs.listByProject(projectId, query, viewerOf(caller));
    const user = userLookup(this.storage);
    const summaries = await Promise.all(
      items.map(async (job) =>
        this.summary(
          job,
          job.favorite,
          role,
          await jobPermissions(this.storage, caller.user, job, role),
          user,
        ),
      ),
    );
    return { items: summaries, total };
  }

  /**
   * ShowSummaryBuildJobInfo: of the live jobs the caller may view in their domain, how many, how
   * many builds they have, the share of the last SUMMARY_DAYS' builds with an outcome that
   * succeeded (a percentage; 0 without any), and how many artifacts they keep.
   */
  async domainSummary(caller: Principal) {
    const since = this.clock.now() - SUMMARY_DAYS * DAY_MS;
    const s = await this.storage.jobs.summaryVisible(viewerOf(caller), since);
    const { total, success } = s.outcomes;
    return {
      jobs: s.jobs,
      builds: s.builds,
      successRatio: total === 0 ? 0 : Math.round((success / total) * 100),
      artifacts: s.artifacts,
    };
  }

  /** CheckJobCountIsTopLimit (see JobLimit.reached). */
  limitReached(caller: Principal, projectId: string | undefined): Promise<boolean> {
    return this.limit.reached(this.storage, caller, projectId);
  }

  /** ListJob: the jobs of every project the caller can see, a page at a time, with their projects' names. */
  async listVisible(
    caller: Principal,
    query: JobListQuery,
  ): Promise<{ items: (JobSummary & { projectName: string })[]; total: number }> {
    const { items, total } = await this.storage.jobs.listVisible(viewerOf(caller), query);
    const user = userLookup(this.storage);
    const summaries = await Promise.all(
      items.map(async (job) => ({
        ...(await this.summary(
          job,
          job.favorite,
          job.role,
          await jobPermissions(this.storage, caller.user, job, job.role),
          user,
        )),
        projectName: job.projectName,
      })),
    );
    return { items: summaries, total };
  }
}
