import type { Logger } from 'pino';
import { checkFlowReport, flowStep, type FlowChild } from '../domain/build-flow.ts';
import type { Build, BuildState } from '../domain/build.ts';
import { BUILD_YAML_PATH_PARAMETER } from '../domain/job-parameters.ts';
import { AppError } from '../domain/errors.ts';
import type { Clock } from '../domain/clock.ts';
import type { Principal } from '../domain/identity.ts';
import { requireJob } from './access.ts';
import type { CheckoutInfo, FlowReport } from '../protocol/runner-protocol.ts';
import type { BuildRun, FlowJobRecord, Storage, Stores } from '../storage/ports.ts';

export type { FlowJobRecord };
import type { BuildEvents } from './build-events.ts';
import { abortQueued } from './stopping.ts';
import type { StoredSecrets } from './stored-secrets.ts';
import { newBuildNumbers, serverLine } from './trigger.ts';
import { finishBuild } from './notice-outbox.ts';
import { endedLine } from './flow-job-end.ts';

/** How often open flows are looked at without an event (a crash, another server's child). */
export const FLOW_SWEEP_MS = 2_000;
/** How many open flows the sweep reads at a time. */
const SWEEP_PAGE = 100;

/**
 * BuildFlows (domain/build-flow.ts): when a build's build.yml turns out to be a flow, its runner
 * lets it go and the server makes one build per job of the flow, records naming the flow's build as
 * their parent, all in the transaction that marks the flow running. From then on the flow runs on
 * no runner: each time a job's build ends (here, or seen by the sweep), the flow queues the jobs
 * whose dependencies succeeded, ends those that can no longer run, and ends itself once every job
 * has. Every step is a compare-and-set, so several servers may advance one flow.
 */
export class FlowService {
  constructor(
    private readonly storage: Storage,
    private readonly clock: Clock,
    private readonly timeZone: string,
    private readonly events: BuildEvents,
    private readonly stored: StoredSecrets,
    private readonly logger: Logger,
  ) {
    // A job of a flow that ends here moves its flow on at once.
    events.onFinish((_state, recordId) => {
      void this.childEnded(recordId).catch((e: unknown) =>
        this.logger.warn({ err: e, recordId }, 'moving a BuildFlow on failed (the sweep retries)'),
      );
    });
  }

  /**
   * In the transaction that marks `run` running: makes the flow's jobs builds of their own (of the
   * same job, at the commit the flow's build checked out), queues the first, and lets the flow's
   * build go from its runner. Returns the builds queued.
   */
  async start(
    tx: Stores,
    run: BuildRun,
    runnerId: string,
    checkout: CheckoutInfo,
    flow: FlowReport,
  ): Promise<string[]> {
    try {
      checkFlowReport(flow.jobs, 'the BuildFlow');
    } catch (error) {
      throw new AppError('INVALID_PARAM', (error as Error).message);
    }
    // A flow's job runs a single-job file (its runner refuses a flow there): no flow in a flow.
    if (await tx.flows.parentOf(run.build.recordId))
      throw new AppError(
        'INVALID_PARAM',
        `build #${run.build.number} is a job of a BuildFlow: its build_ref must be a single-job file, not a flow`,
      );
    const job = await tx.jobs.findById(run.build.jobId);
    if (!job || run.plan === null) throw new AppError('JOB_NOT_FOUND', "the BuildFlow's job was deleted");
    const plan = this.stored.plan(run.plan);
    const now = this.clock.now();
    const parent = run.build;
    const jobs: FlowJobRecord[] = [];
    const numbers: string[] = [];
    for (const [position, j] of flow.jobs.entries()) {
      const child: Build = {
        ...parent,
        ...(await newBuildNumbers(tx, job, now, this.timeZone)),
        startTime: now,
        runStartedAt: null,
        finishedAt: null,
        runningStatus: 'Starting',
        state: '',
        commitId: '',
        commitTime: null,
        commitMessage: '',
        // The flow's kind of build (a tag build's jobs are tag builds: GIT_TAG, the record's tag),
        // pinned to the flow's commit by the plan below, not turned into commit builds.
        buildType: parent.buildType,
        codeBranch: parent.codeBranch || checkout.branch,
        buildTime: null,
        costTime: null,
        requestedCommit: checkout.commitId,
        // The job's file is its own: the record (and the build's variable) names it, not the flow's.
        parameters: ownYamlPath(parent.parameters, j.buildRef),
      };
      const childPlan = {
        ...plan,
        scm: plan.scm && {
          ...plan.scm,
          ref: plan.scm.ref || checkout.branch,
          // The runner checks out this commit whatever the branch or tag points at by then.
          ...(checkout.commitId && { commit: checkout.commitId }),
        },
        steps: [],
        parameters: ownYamlPath(plan.parameters, j.buildRef),
        yaml: { path: j.buildRef, inherited: j.params },
      };
      await tx.builds.insert(child, this.stored.planText(childPlan));
      await tx.scripts.put(child.recordId, { configType: 'YAML', path: j.buildRef, script: '' });
      await tx.logs.appendAtEnd(
        child.recordId,
        serverLine(`job ${j.name} of the BuildFlow of build ${parent.dailyBuildNumber} (#${parent.number})`),
      );
      numbers.push(`${j.name} #${child.number}`);
      jobs.push({
        childId: child.recordId,
        position,
        name: j.name,
        dependsOn: j.dependsOn,
        buildRef: j.buildRef,
        started: false,
      });
    }
    await tx.flows.create(parent.recordId, flow.strategy, jobs);
    if (!(await tx.builds.detach(parent.recordId, runnerId)))
      throw new AppError('LEASE_LOST', "the build is no longer the runner's");
    await tx.logs.appendAtEnd(parent.recordId, serverLine(`the jobs' builds: ${numbers.join(', ')}`));
    const waiting: FlowChild[] = jobs.map((j) => ({
      ...j,
      recordId: j.childId,
      state: '',
      cancelled: false,
    }));
    // A stop asked while the flow's build was on its runner: none of its jobs start.
    const stopping = (await tx.builds.findRun(parent.recordId))?.cancelRequested ?? run.cancelRequested;
    const step = flowStep(waiting, flow.strategy, stopping);
    for (const childId of step.start) {
      await tx.flows.markStarted(childId);
      await tx.queue.enqueue(childId, job.id, now);
    }
    return step.start;
  }

  /**
   * A build ended: when it is a job of a flow, the flow moves on. The job's line in the flow's log
   * was written as it ended (flow-job-end.ts).
   */
  private async childEnded(recordId: string): Promise<void> {
    const parentId = await this.storage.flows.parentOf(recordId);
    if (parentId) await this.advance(parentId);
  }

  /** A stop was asked of a build: a flow stops its jobs; a job of a flow that never started ends. */
  async stopped(recordId: string): Promise<void> {
    if (await this.stop(recordId)) return;
    const parentId = await this.storage.flows.parentOf(recordId);
    if (parentId) await this.advance(parentId);
  }

  /** Stops a flow: its queued jobs end, its running ones are asked to stop, the rest never start. */
  async stop(parentId: string): Promise<boolean> {
    const flow = await this.storage.flows.find(parentId);
    if (!flow) return false;
    const now = this.clock.now();
    for (const j of flow.jobs) {
      const child = await this.storage.builds.findByRecordId(j.childId);
      if (!child || child.runningStatus === 'Finished') continue;
      const dequeued = await this.storage.transaction((tx) =>
        abortQueued(tx, child, now, 'the BuildFlow was stopped before this job started'),
      );
      if (dequeued) this.events.finished(child.recordId, 'ABORTED');
      else if (await this.storage.builds.requestCancel(child.recordId))
        this.events.publish('cancel', child.recordId);
    }
    await this.advance(parentId);
    return true;
  }

  /**
   * The jobs of a flow with their builds (ShowFlowGraph). 404 for a build the caller cannot see,
   * and for one that is not a BuildFlow.
   */
  async graph(caller: Principal, recordId: string): Promise<{ job: FlowJobRecord; build: Build }[]> {
    const notFound = new AppError('BUILD_NOT_FOUND', `no BuildFlow build with record id ${recordId}`);
    const parent = await this.storage.builds.findByRecordId(recordId);
    if (!parent) throw notFound;
    await requireJob(this.storage, caller, parent.jobId, 'view').catch((error: unknown) => {
      throw error instanceof AppError && error.code === 'JOB_NOT_FOUND' ? notFound : error;
    });
    const flow = await this.storage.flows.find(recordId);
    if (!flow) throw notFound;
    const graph: { job: FlowJobRecord; build: Build }[] = [];
    for (const job of flow.jobs) {
      const build = await this.storage.builds.findByRecordId(job.childId);
      if (build) graph.push({ job, build });
    }
    return graph;
  }

  /**
   * Moves every open flow on (every FLOW_SWEEP_MS): what events missed (a crash, another server) is
   * caught up, a stop among them (a flow asked to stop has its jobs stopped again).
   */
  async sweep(): Promise<void> {
    // Every open flow, a page at a time (the first page alone left flows past it to events only).
    let after: string | undefined;
    for (;;) {
      const page = await this.storage.flows.listOpen(SWEEP_PAGE, after);
      for (const parentId of page) {
        if ((await this.storage.builds.findRun(parentId))?.cancelRequested) await this.stop(parentId);
        else await this.advance(parentId);
      }
      if (page.length < SWEEP_PAGE) return;
      after = page.at(-1);
    }
  }

  /** Queues the jobs that may start, ends those that never will, and ends the flow when all have. */
  async advance(parentId: string): Promise<void> {
    const [jobs, parent] = await Promise.all([
      this.storage.flows.progress(parentId),
      this.storage.builds.findRun(parentId),
    ]);
    if (!jobs || !parent || parent.build.runningStatus === 'Finished') return;
    const children: FlowChild[] = jobs.map((j) => ({
      name: j.name,
      dependsOn: j.dependsOn,
      recordId: j.childId,
      started: j.started,
      // A job whose build was deleted cannot be said to have succeeded: it counts as a failure
      // (its dependants are skipped and the flow fails), never as a job the flow did not have.
      state: j.missing ? 'FAILURE' : j.runningStatus === 'Finished' ? (j.state as BuildState) : '',
      cancelled: j.cancelRequested,
    }));
    const missing = jobs.filter((j) => j.missing).map((j) => j.name);
    const flow = { strategy: jobs[0]!.strategy };
    const step = flowStep(children, flow.strategy, parent.cancelRequested);
    const now = this.clock.now();
    for (const { recordId, reason } of step.skip) {
      const skipped = await this.storage.transaction(async (tx) => {
        const ok = await finishBuild(tx, recordId, {
          state: 'ABORTED',
          finishedAt: now,
          buildTime: 0,
          costTime: 0,
        });
        if (!ok) return false;
        await tx.logs.appendAtEnd(recordId, serverLine(`not run: ${reason}`));
        const child = await tx.builds.findByRecordId(recordId);
        if (child) await tx.logs.appendAtEnd(parentId, endedLine(child, `ABORTED (not run: ${reason})`));
        return true;
      });
      if (skipped) this.events.finished(recordId, 'ABORTED');
    }
    // One transaction queues them all: a runner waiting for work sees the whole wave at once.
    const queued =
      step.start.length === 0
        ? []
        : await this.storage.transaction(async (tx) => {
            const started: string[] = [];
            for (const recordId of step.start)
              if (await tx.flows.markStarted(recordId)) {
                await tx.queue.enqueue(recordId, parent.build.jobId, now);
                started.push(recordId);
              }
            return started;
          });
    for (const recordId of queued) this.events.publish('queued', recordId);
    if (step.done) {
      const state = step.done;
      const ended = await this.storage.transaction(async (tx) => {
        const ok = await finishBuild(tx, parentId, {
          state,
          finishedAt: now,
          buildTime: now - (parent.build.runStartedAt ?? now),
          costTime: now - parent.build.startTime,
        });
        if (ok && missing.length > 0)
          await tx.logs.appendAtEnd(
            parentId,
            serverLine(`the build of ${missing.join(', ')} was deleted; counted as FAILURE`),
          );
        if (ok) await tx.logs.appendAtEnd(parentId, serverLine(`BuildFlow finished: ${state}`));
        return ok;
      });
      if (ended) {
        this.logger.info(
          { recordId: parentId, jobId: parent.build.jobId, outcome: state },
          'BuildFlow finished',
        );
        this.events.finished(parentId, state);
      }
    }
  }
}

/** A flow job's parameters: CB_BUILD_YAML_PATH, when the flow's build has it, names the job's file. */
function ownYamlPath<T extends { name: string; value: string }>(parameters: readonly T[], path: string): T[] {
  return parameters.map((p) => (p.name === BUILD_YAML_PATH_PARAMETER ? { ...p, value: path } : p));
}
