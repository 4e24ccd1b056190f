import type { Build, BuildScript, BuildStep, TriggerType } from '../domain/build.ts';
import { MASK } from '../domain/build.ts';
import type { BuildPlan, RunRequest } from '../domain/build-plan.ts';
import type { Clock } from '../domain/clock.ts';
import { AppError, invalidParam } from '../domain/errors.ts';
import type { Principal, Project, User } from '../domain/identity.ts';
import { DAY_MS, dayStart, nextDayStart, parseDate } from '../domain/time.ts';
import type { CommitShown, JobRecord, Storage, Stores } from '../storage/ports.ts';
import { requireJob, triggerUserId, userPermissions } from './access.ts';
import type { BuildEvents } from './build-events.ts';
import { maskedPlan, type StoredSecrets } from './stored-secrets.ts';
import { abortQueued } from './stopping.ts';
import { createBuild } from './trigger.ts';
import { buildRunner, type BuildRunner } from './build-runner.ts';
import { queueView, type QueueEntry } from './queue-view.ts';
import { KeyedTurns } from './keyed-turns.ts';

/** A build with the job and project it belongs to and its steps (detail views). */
export interface BuildDetails {
  job: JobRecord;
  project: Project;
  build: Build;
  steps: BuildStep[];
  /** The build.yml a code-based build ran; undefined for a graphical (ACTION) build. */
  script: BuildScript | undefined;
  /** The BuildFlow build this build is a job of ('' when none). */
  parentRecordId: string;
}

/** A build as its record views show it: its details, plan (secrets masked), stop request and log size. */
export interface BuildView extends BuildDetails {
  /** Undefined for an imported build. */
  plan: BuildPlan | undefined;
  cancelRequested: boolean;
  logSize: number;
  /** The runner the build was given to (null: never given to one, or imported). */
  runnerId: string | null;
}

/** What a build record (ShowBuildRecord, ListRecords) shows of a build. */
export type RecordView = Pick<BuildView, 'build' | 'job' | 'plan' | 'script'>;

/** A page of history rows. */
export interface HistoryPage {
  builds: Build[];
  total: number;
}

/** Thrown inside a build's transaction to roll it back when the trigger is not admitted. */
class Refused extends Error {
  constructor(readonly reason: string) {
    super(reason);
  }
}

/** Running, stopping and looking at builds. */
export class BuildService {
  /**
   * This server creates a job's builds one at a time (KeyedTurns says why): each takes the job's
   * row in its transaction, so they would wait for each other anyway, in the database, each on a
   * pooled connection.
   */
  private readonly jobTurns = new KeyedTurns();

  constructor(
    private readonly storage: Storage,
    private readonly clock: Clock,
    private readonly timeZone: string,
    private readonly events: BuildEvents,
    private readonly stored: StoredSecrets,
    /** Told of each stop asked of a running or waiting build (a BuildFlow stops its jobs). */
    private readonly onStop: (recordId: string) => Promise<void> = async () => {},
  ) {}

  /** RunJob: accepts the run at once (a queued build with its number) or says why not. */
  async run(caller: Principal, jobId: string, request: RunRequest): Promise<Build> {
    const { job } = await requireJob(this.storage, caller, jobId, 'execute');
    return this.trigger(job, caller.user, 'Manual', request);
  }

  /** Starts a build for a trigger the engine itself decided on (schedules, pushes) or a caller. */
  async trigger(job: JobRecord, user: User, triggerType: TriggerType, request: RunRequest): Promise<Build> {
    const outcome = await this.triggerAdmitted(job, user, triggerType, request, async () => undefined);
    // Cannot happen: nothing here refuses the build.
    if ('refused' in outcome) throw new Error(outcome.refused);
    return outcome;
  }

  /**
   * Like `trigger`, but `admit` runs first in the build's transaction (a push remembering its
   * delivery): when it answers a reason, nothing it or the build wrote is kept and the reason is
   * returned. `asLastEditor`: the build is started by whoever last saved the job as it is in the
   * transaction (a push's builder), `user` being who that was when the push was checked.
   */
  async triggerAdmitted(
    job: JobRecord,
    user: User,
    triggerType: TriggerType,
    request: RunRequest,
    admit: (tx: Stores) => Promise<string | undefined>,
    asLastEditor = false,
  ): Promise<Build | { refused: string }> {
    let build: Build;
    try {
      build = await this.jobTurns.run(job.id, () =>
        this.storage.transaction(async (tx) => {
          const refused = await admit(tx);
          if (refused !== undefined) throw new Refused(refused);
          // The job and the starter's rights as they are now, the job's row locked (as the scheduler
          // reads them in its build's transaction): the caller's checks are of a moment before, and
          // a disable, a delete, a disabled user or a removed member that committed since (on any
          // server) must not be followed by a build.
          const current = await tx.jobs.lockLive(job.id);
          if (!current) throw new AppError('JOB_NOT_FOUND', 'job not found (it was deleted)');
          if (current.disabled) throw disabled(current);
          const starter = await tx.users.findById(asLastEditor ? await triggerUserId(tx, current) : user.id);
          const rights = starter && (await userPermissions(tx, starter, current));
          if (!starter || !rights?.execute)
            throw new AppError(
              'FORBIDDEN',
              asLastEditor
                ? "the job's last editor may no longer run its builds, and pushes build as the user who last saved the job"
                : `${user.name} may no longer run this job's builds`,
            );
          return createBuild(
            tx,
            {
              job: current,
              user: starter,
              userMayModify: rights.modify,
              triggerType,
              request,
              now: this.clock.now(),
              timeZone: this.timeZone,
            },
            this.stored,
          );
        }),
      );
    } catch (error) {
      if (error instanceof Refused) return { refused: error.reason };
      throw error;
    }
    this.events.publish('queued', build.recordId);
    return build;
  }

  private async findBuild(caller: Principal, jobId: string, number: number, need: 'view' | 'execute') {
    const access = await requireJob(this.storage, caller, jobId, need);
    const build = await this.storage.builds.findByNumber(jobId, number);
    if (!build) throw new AppError('BUILD_NOT_FOUND', `build ${number} of this job not found`);
    return { ...access, build };
  }

  /**
   * StopBuildJob. A queued build leaves the queue and ends ABORTED at once; a running one is
   * marked for its runner, which kills the step's process tree and reports ABORTED.
   */
  async stop(
    caller: Principal,
    jobId: string,
    number: number,
  ): Promise<{ stopped: boolean; message: string }> {
    const { build } = await this.findBuild(caller, jobId, number, 'execute');
    if (build.runningStatus === 'Finished') {
      return { stopped: false, message: `build ${number} already finished: ${build.state}` };
    }
    const now = this.clock.now();
    const dequeue = () =>
      this.storage.transaction((tx) =>
        abortQueued(tx, build, now, `stopped by ${caller.user.name} before it started`),
      );
    if (await dequeue()) {
      this.events.finished(build.recordId, 'ABORTED');
      return { stopped: true, message: '' };
    }
    if (await this.storage.builds.requestCancel(build.recordId))
      this.events.publish('cancel', build.recordId);
    // A claim that came back between the two (its runner hung up, or was stopping) put the build in
    // the queue before the request was there to see: it is taken off again. One that comes back
    // after sees the request and ends the build itself (DispatchService.release).
    if (await dequeue()) {
      this.events.finished(build.recordId, 'ABORTED');
      return { stopped: true, message: '' };
    }
    await this.onStop(build.recordId);
    return { stopped: true, message: '' };
  }

  /**
   * StopTheJob (v1): `stop` of build `number`, or of the job's latest unfinished build; 404 when
   * no number is given and none is queued or running.
   */
  async stopLatest(
    caller: Principal,
    jobId: string,
    number: number | undefined,
  ): Promise<{ stopped: boolean; message: string }> {
    if (number === undefined) {
      await requireJob(this.storage, caller, jobId, 'execute');
      const active = await this.storage.builds.listActive(jobId);
      const latest = active.reduce<Build | undefined>(
        (a, b) => (a && a.number > b.number ? a : b),
        undefined,
      );
      if (!latest) throw new AppError('BUILD_NOT_FOUND', 'no build of this job is queued or running');
      // A job of a BuildFlow (numbered after its flow) stands for the flow: stopping it stops them all.
      const parentId = await this.storage.flows.parentOf(latest.recordId);
      number = (active.find((b) => b.recordId === parentId) ?? latest).number;
    }
    return this.stop(caller, jobId, number);
  }

  /** ListBuildParameter: the parameters build `number` ran with, sensitive values masked. */
  async parameters(
    caller: Principal,
    jobId: string,
    number: number,
  ): Promise<{ name: string; value: string }[]> {
    const { build } = await this.findBuild(caller, jobId, number, 'view');
    return Object.entries(shownParameters(build)).map(([name, value]) => ({ name, value }));
  }

  /** The job's unfinished builds and its latest build (status operations). */
  async status(caller: Principal, jobId: string): Promise<{ active: Build[]; last: Build | undefined }> {
    await requireJob(this.storage, caller, jobId, 'view');
    const [active, last] = await Promise.all([
      this.storage.builds.listActive(jobId),
      this.storage.builds.latest(jobId),
    ]);
    return { active, last };
  }

  /** ShowListHistory: builds of the last `intervalDays` days (today included), newest first. */
  async history(
    caller: Principal,
    jobId: string,
    q: { offset: number; limit: number; intervalDays: number },
  ): Promise<HistoryPage> {
    await requireJob(this.storage, caller, jobId, 'view');
    const now = this.clock.now();
    const from = dayStart(now - q.intervalDays * DAY_MS, this.timeZone);
    return this.page({ jobId, from, to: now + 1 }, q.offset, q.limit);
  }

  /** ShowListPeriodHistory: builds between two dates (inclusive), newest first; at most 30 days. */
  async periodHistory(
    caller: Principal,
    jobId: string,
    q: { offset: number; limit: number; startDate: string; endDate: string },
  ): Promise<HistoryPage> {
    const from = parseDate(q.startDate, this.timeZone);
    if (from === undefined)
      throw invalidParam(`start_time "${q.startDate}" is not a real date in the format yyyy-MM-dd`);
    const last = parseDate(q.endDate, this.timeZone);
    if (last === undefined)
      throw invalidParam(`end_time "${q.endDate}" is not a real date in the format yyyy-MM-dd`);
    if (last < from) throw invalidParam('end_time must not be before start_time');
    if (last - from > 30 * DAY_MS + 3_600_000) throw invalidParam('the period may span at most 30 days');
    await requireJob(this.storage, caller, jobId, 'view');
    return this.page({ jobId, from, to: nextDayStart(last, this.timeZone) }, q.offset, q.limit);
  }

  private async page(
    window: { jobId: string; from: number; to: number },
    offset: number,
    limit: number,
  ): Promise<HistoryPage> {
    const total = await this.storage.builds.countInWindow(window);
    const builds =
      offset < total && limit > 0 ? await this.storage.builds.pageInWindow(window, offset, limit) : [];
    return { builds, total };
  }

  /** One build with its job, project and steps. */
  async details(caller: Principal, jobId: string, number: number): Promise<BuildDetails> {
    const { job, project, build } = await this.findBuild(caller, jobId, number, 'view');
    return { job, project, build, ...(await this.stepsAndScript(build.recordId)) };
  }

  /** A build by number, or the job's latest build when `number` is undefined, for a record view. */
  async viewByNumber(caller: Principal, jobId: string, number: number | undefined): Promise<BuildView> {
    await requireJob(this.storage, caller, jobId, 'view');
    const build =
      number === undefined
        ? await this.storage.builds.latest(jobId)
        : await this.storage.builds.findByNumber(jobId, number);
    if (!build)
      throw new AppError(
        'BUILD_NOT_FOUND',
        number === undefined ? 'the job has no build yet' : `build ${number} of this job not found`,
      );
    return this.view(caller, build.recordId);
  }

  /** The commit messages and authors of some builds of a job (a page of its history), by build number. */
  async commitMessages(
    caller: Principal,
    jobId: string,
    numbers: number[],
  ): Promise<Map<number, CommitShown>> {
    await requireJob(this.storage, caller, jobId, 'view');
    return this.storage.builds.commitMessages(jobId, numbers);
  }

  /** The builds waiting for a runner and those running, of the jobs the caller may see (queue-view.ts). */
  queue(caller: Principal): Promise<QueueEntry[]> {
    return queueView(this.storage, caller);
  }

  /** The runner that ran (or runs) a build, by its name; undefined while it waits, or for an imported one. */
  async runnerOf(caller: Principal, jobId: string, number: number): Promise<BuildRunner | undefined> {
    await requireJob(this.storage, caller, jobId, 'view');
    const build = await this.storage.builds.findByNumber(jobId, number);
    if (!build) throw new AppError('BUILD_NOT_FOUND', `build ${number} of this job not found`);
    const run = await this.storage.builds.findRun(build.recordId);
    return buildRunner(this.storage, run?.runnerId ?? null);
  }

  /** ListRecords' rows: each build with its job (one of `jobs`), plan and build.yml (what a record shows). */
  async recordViews(jobs: ReadonlyMap<string, JobRecord>, builds: Build[]): Promise<RecordView[]> {
    return Promise.all(
      builds.map(async (build) => {
        const [run, script] = await Promise.all([
          this.storage.builds.findRun(build.recordId),
          this.storage.scripts.find(build.recordId),
        ]);
        const job = jobs.get(build.jobId) as JobRecord;
        return { build, job, plan: run?.plan ? maskedPlan(run.plan) : undefined, script };
      }),
    );
  }

  /** A build by record id for a record view. */
  async view(caller: Principal, recordId: string): Promise<BuildView> {
    const [details, run] = await Promise.all([
      this.byRecordId(caller, recordId),
      this.storage.builds.findRun(recordId),
    ]);
    return {
      ...details,
      plan: run?.plan ? maskedPlan(run.plan) : undefined,
      cancelRequested: run?.cancelRequested ?? false,
      logSize: run?.logSize ?? 0,
      runnerId: run?.runnerId ?? null,
    };
  }

  private async stepsAndScript(recordId: string) {
    const [steps, script, parent] = await Promise.all([
      this.storage.steps.list(recordId),
      this.storage.scripts.find(recordId),
      this.storage.flows.parentOf(recordId),
    ]);
    return { steps, script, parentRecordId: parent ?? '' };
  }

  /** A build by record id (log downloads name builds that way). */
  async byRecordId(caller: Principal, recordId: string): Promise<BuildDetails> {
    const build = await this.storage.builds.findByRecordId(recordId);
    if (!build) throw new AppError('BUILD_NOT_FOUND', `no build with record id ${recordId}`);
    const { job, project } = await requireJob(this.storage, caller, build.jobId, 'view').catch(
      (error: unknown) => {
        throw error instanceof AppError && error.code === 'JOB_NOT_FOUND'
          ? new AppError('BUILD_NOT_FOUND', `no build with record id ${recordId}`)
          : error;
      },
    );
    return { job, project, build, ...(await this.stepsAndScript(recordId)) };
  }
}

/** A build's parameters as shown to people: sensitive values masked. */
export function shownParameters(build: Build): Record<string, string> {
  return Object.fromEntries(build.parameters.map((p) => [p.name, p.sensitive ? MASK : p.value]));
}

function disabled(job: JobRecord): AppError {
  return new AppError(
    'JOB_DISABLED',
    `job ${job.name} is disabled; enable it first (\`kiln jobs enable\`, or the job page's Enable)`,
  );
}
