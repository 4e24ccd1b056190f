import type { Build, TriggerType } from '../domain/build.ts';
import { dailyBuildNumber, MASK, MAX_BUILD_NUMBER, newStep } from '../domain/build.ts';
import { planBuild, type RunRequest } from '../domain/build-plan.ts';
import { AppError, invalidParam } from '../domain/errors.ts';
import { newRecordId } from '../domain/ids.ts';
import type { User } from '../domain/identity.ts';
import { toJobSpec } from '../domain/job-config.ts';
import { buildTimestamp } from '../domain/predefined-parameters.ts';
import { dayKey } from '../domain/time.ts';
import { maskUrlCredentials } from '../domain/url-credentials.ts';
import type { JobRecord, LogStore, Stores } from '../storage/ports.ts';
import { triggerUserId } from './access.ts';
import type { StoredSecrets } from './stored-secrets.ts';

/** Who and what starts a build. */
export interface TriggerInput {
  job: JobRecord;
  user: User;
  /** Whether `user` may change the job (their permissions, read in the caller's transaction). */
  userMayModify: boolean;
  triggerType: TriggerType;
  request: RunRequest;
  now: number;
  timeZone: string;
}

/**
 * Creates a queued build: number, daily number, the record, its planned steps and its place in the
 * queue, all in the caller's transaction, so a build is either accepted whole or not at all. The
 * plan is stored with its secrets sealed; the record keeps sensitive values only as the mask (it is
 * for showing) and the web URL without credentials.
 */
export async function createBuild(tx: Stores, input: TriggerInput, stored: StoredSecrets): Promise<Build> {
  const spec = toJobSpec(stored.jobConfig(input.job.config));
  const planned = planBuild(spec, input.request, {
    projectId: input.job.projectId,
    jobName: input.job.name,
    executor: input.user.name,
    timestamp: buildTimestamp(input.now, input.timeZone),
  });
  if (Array.isArray(planned)) throw invalidParam(planned.map((i) => `${i.field}: ${i.message}`).join('; '));
  const build: Build = {
    ...(await newBuildNumbers(tx, input.job, input.now, input.timeZone)),
    startTime: input.now,
    runStartedAt: null,
    finishedAt: null,
    runningStatus: 'Starting',
    state: '',
    triggerType: input.triggerType,
    userId: input.user.id,
    executor: input.user.name,
    nickname: input.user.displayName,
    commitId: '',
    commitTime: null,
    commitMessage: '',
    buildType: planned.buildType,
    codeBranch: planned.codeBranch,
    scmType: spec.scm?.scmType ?? '',
    scmWebUrl: maskUrlCredentials(spec.scm?.webUrl ?? ''),
    buildTime: null,
    costTime: null,
    parameters: planned.plan.parameters.map((p) => (p.sensitive ? { ...p, value: MASK } : p)),
    requestedCommit: planned.requestedCommit,
  };
  // The steps as triggered are whoever last saved the job's: the build acts for that user to its
  // end, whoever saves the job meanwhile.
  // A commit on no branch or tag is built only for who could change the job's steps anyway. Only a
  // starter who chose a commit or values can ask for one (values reach a build.yml checkout's inputs).
  const chose = planned.plan.scm?.commit || input.request.parameters.length > 0;
  const refsOnly = chose && !input.userMayModify;
  const plan = {
    ...planned.plan,
    savedBy: await triggerUserId(tx, input.job),
    ...(refsOnly && { onBranchOrTag: true as const }),
  };
  await tx.builds.insert(build, stored.planText(plan));
  await tx.steps.insertMany(build.recordId, spec.steps.map(newStep));
  // A code-based build's steps and file are known once its runner has read the file.
  if (planned.plan.yaml)
    await tx.scripts.put(build.recordId, { configType: 'YAML', path: planned.plan.yaml.path, script: '' });
  await tx.queue.enqueue(build.recordId, input.job.id, input.now);
  return build;
}

/** A new record's id, number and daily number (in the caller's transaction). */
export async function newBuildNumbers(
  tx: Stores,
  job: JobRecord,
  now: number,
  timeZone: string,
): Promise<Pick<Build, 'recordId' | 'jobId' | 'number' | 'dailyBuildNumber'>> {
  const number = await tx.jobs.allocateBuildNumber(job.id);
  if (number === undefined) throw await noNumber(tx, job);
  const day = dayKey(now, timeZone);
  const daily = await tx.jobs.allocateDailyNumber(job.id, day);
  return { recordId: newRecordId(), jobId: job.id, number, dailyBuildNumber: dailyBuildNumber(day, daily) };
}

/** Why a job got no build number: it was deleted meanwhile, or its numbers are used up. */
async function noNumber(tx: Stores, job: JobRecord): Promise<AppError> {
  if (!(await tx.jobs.findById(job.id)))
    return new AppError('JOB_NOT_FOUND', 'job not found (it was deleted)');
  return new AppError(
    'CONFLICT',
    `job ${job.name} has used every build number up to ${MAX_BUILD_NUMBER}; create a new job to run more builds`,
  );
}

/** A line the server itself writes into a build log. */
export function serverLine(text: string): Uint8Array {
  return Buffer.from(`[kiln] ${text}\n`, 'utf8');
}

/**
 * Appends lines the server itself writes (`serverLine`s) at the end of a build's log, on lines of
 * their own: after output that did not end its last line (a runner lost in the middle of a
 * progress bar or of a line), a newline comes first. Run it in the transaction that changed the
 * build, which holds its row, so no runner's chunk lands between the look at the end and the append.
 */
export async function appendServerLines(
  logs: LogStore,
  recordId: string,
  lines: Uint8Array,
): Promise<number> {
  const size = await logs.size(recordId);
  const last = size > 0 ? (await logs.read(recordId, size - 1, 1))[0] : undefined;
  const endsLine = last === undefined || last === NEWLINE;
  return logs.appendAtEnd(recordId, endsLine ? lines : Buffer.concat([Buffer.from('\n'), lines]));
}

const NEWLINE = 0x0a;
