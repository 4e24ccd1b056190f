import type { Logger } from 'pino';
import { AppError } from '../domain/errors.ts';
import { TEST_LIMITS, type TestCase } from '../domain/test-report.ts';
import { newStep } from '../domain/build.ts';
import { maskSecretText, planSecrets } from '../domain/secret-text.ts';
import type { Clock } from '../domain/clock.ts';
import { describeNeeds, meetsNeeds, type RunnerPlace } from '../domain/resource-match.ts';
import {
  LeaseLostError,
  LogCapError,
  LogGapError,
  type BuildResult,
  type CheckoutInfo,
  type Lease,
  type LeaseStatus,
  type LogChunk,
  type RequeueRequest,
  type RunnerInfo,
  type RunnerPeer,
  type StepReport,
} from '../protocol/runner-protocol.ts';
import type { BuildRun, Storage } from '../storage/ports.ts';
import type { ArtifactService } from './artifact-service.ts';
import type { BuildRetentionService } from './build-retention.ts';
import type { FlowService } from './flow-service.ts';
import type { BuildEvents } from './build-events.ts';
import { heldRun } from './held-run.ts';
import type { StoredSecrets } from './stored-secrets.ts';
import { appendServerLines, serverLine } from './trigger.ts';
import { buildRunner, runnerLabel } from './build-runner.ts';
import { finishBuild } from './notice-outbox.ts';
import { endStopped, endUnstarted, MAX_LOST_CLAIMS, putBack } from './claim-returns.ts';
import type { KeystoreService } from './keystore-service.ts';

/** A step as a runner reads it from a build.yml. */
type Stage = NonNullable<CheckoutInfo['stages']>[number];

/** Dispatch settings. */
export interface DispatchOptions {
  /** A runner that does not extend its lease for this long loses the build. */
  leaseMs: number;
  /** Log cap the runner enforces (with a line saying so). */
  logMaxBytes: number;
  /** How often a waiting runner re-checks the queue when no event wakes it. */
  pollMs?: number;
}

/** Bytes a runner may send past the cap: its truncation notice. */
const CAP_SLACK = 4096;

/** How a claim on a build that never started was lost, and the log line that says so. */
interface LostClaim {
  /** Only once the lease ran out (the sweep); otherwise whatever the lease says. */
  leaseExpired: boolean;
  why: (runner: string) => string;
  /** The service log's words for it. */
  told: string;
}
const LEASE_RAN_OUT: LostClaim = {
  leaseExpired: true,
  why: (runner) =>
    `${runner}, which took this build, was lost before it started (it stopped sending heartbeats)`,
  told: 'runner lost before the start',
};
const SERVER_STOPPED: LostClaim = {
  leaseExpired: false,
  why: (runner) => `the server stopped while ${runner} was starting this build`,
  told: 'server stopped before the start',
};

/**
 * The engine's side of the runner protocol (protocol/runner-protocol.ts): hands queued builds to
 * runners, takes their reports, and takes builds back from runners that went silent.
 */
export class DispatchService {
  private readonly pollMs: number;

  constructor(
    private readonly storage: Storage,
    private readonly clock: Clock,
    private readonly events: BuildEvents,
    private readonly options: DispatchOptions,
    private readonly stored: StoredSecrets,
    private readonly logger: Logger,
    private readonly artifacts: ArtifactService,
    private readonly flows: FlowService,
    private readonly retention: BuildRetentionService,
    private readonly files: KeystoreService,
  ) {
    this.pollMs = options.pollMs ?? 2_000;
  }

  /** A peer bound to one runner, for the runner in this process. */
  peer(runnerId: string): RunnerPeer {
    return {
      next: (signal, place) => this.next(runnerId, signal, Number.POSITIVE_INFINITY, place),
      extend: (id) => this.extend(runnerId, id),
      started: (id, checkout) => this.started(runnerId, id, checkout),
      step: (id, report) => this.step(runnerId, id, report),
      log: (id, chunk) => this.log(runnerId, id, chunk),
      done: (id, result) => this.done(runnerId, id, result),
      requeue: (id, request) => this.requeue(runnerId, id, request),
      release: (id) => this.release(runnerId, id),
      announce: (info) => this.announce(runnerId, info),
      artifact: (id, part) => this.artifacts.upload(runnerId, id, part),
      directArtifact: (id, upload) => this.artifacts.directTarget(runnerId, id, upload),
      commitDirectArtifact: (id, sent) => this.artifacts.commitDirect(runnerId, id, sent),
      fetchArtifact: (id, url) => this.artifacts.fetchForBuild(runnerId, id, url),
      directFetchArtifact: (id, url) => this.artifacts.directFetchForBuild(runnerId, id, url),
      fetchFile: (id, name) => this.files.fetchForBuild(runnerId, id, name),
    };
  }

  /** Keeps what a runner says about itself (its last announcement wins). */
  async announce(runnerId: string, info: RunnerInfo): Promise<void> {
    await this.storage.runners.putTools({
      runnerId,
      host: info.host,
      tools: info.tools,
      arch: info.arch ?? null,
      pool: info.pool ?? null,
      reportedAt: this.clock.now(),
    });
    this.logger.info(
      { runnerId, host: info.host, tools: Object.keys(info.tools).length },
      'runner announced its tools',
    );
  }

  /**
   * Waits up to `maxWaitMs` for a build and claims it for `runnerId`, a runner at `place`: builds
   * handed back for another arch or pool wait for a runner there (a runner that says nothing of
   * its place takes only builds that need none).
   */
  async next(
    runnerId: string,
    signal: AbortSignal,
    maxWaitMs: number,
    place: RunnerPlace = {},
  ): Promise<Lease | undefined> {
    const deadline = Date.now() + maxWaitMs;
    while (!signal.aborted) {
      const lease = await this.claim(runnerId, place);
      if (lease) return lease;
      const left = deadline - Date.now();
      if (left <= 0) return undefined;
      await this.events.wait('queued', Math.min(left, this.pollMs), signal);
    }
    return undefined;
  }

  private async claim(runnerId: string, place: RunnerPlace): Promise<Lease | undefined> {
    const now = this.clock.now();
    const taken = await this.storage.transaction(async (tx) => {
      const head = await tx.queue.takeNext(place);
      if (head === undefined) return undefined;
      return (await tx.builds.claim(head.recordId, runnerId, now + this.options.leaseMs, now, head))
        ? head
        : undefined;
    });
    if (taken === undefined) return undefined;
    const { recordId } = taken;
    const run = await this.storage.builds.findRun(recordId);
    if (!run?.plan) return undefined;
    // Read now, not at the claim's start: the runner dates the build's trigger by it (a mirror
    // fetched since serves it), and every ms of the claim counted here would date it that much late.
    const queuedForMs = Math.max(0, this.clock.now() - run.build.startTime);
    this.logger.info({ recordId, jobId: run.build.jobId, runnerId, queuedForMs }, 'build claimed');
    // The name `kiln queue` gives the runner (its announced place is not needed: no tools read).
    const runnerName = (await buildRunner(this.storage, runnerId, []))?.name;
    return {
      recordId,
      jobId: run.build.jobId,
      buildNumber: run.build.number,
      dailyBuildNumber: run.build.dailyBuildNumber,
      leaseMs: this.options.leaseMs,
      plan: this.stored.plan(run.plan),
      logMaxBytes: this.options.logMaxBytes,
      queuedForMs,
      logOffset: await this.storage.logs.size(recordId),
      ...(runnerName && { runnerName }),
    };
  }

  private held(runnerId: string, recordId: string): Promise<BuildRun> {
    return heldRun(this.storage, runnerId, recordId);
  }

  async extend(runnerId: string, recordId: string): Promise<LeaseStatus> {
    return this.storage.builds.renewLease(recordId, runnerId, this.clock.now() + this.options.leaseMs);
  }

  async started(runnerId: string, recordId: string, checkout: CheckoutInfo): Promise<void> {
    const run = await this.held(runnerId, recordId);
    const { flow } = checkout;
    // The parameters only the build.yml gave join the build's own (never over them).
    const own = new Set(run.build.parameters.map((p) => p.name));
    const added = (checkout.fileParameters ?? []).filter((p) => !own.has(p.name));
    const parameters =
      added.length > 0
        ? [...run.build.parameters, ...added.map((p) => ({ ...p, sensitive: false }))]
        : undefined;
    const marked = await this.storage.transaction(async (tx) => {
      if (
        !(await tx.builds.markRunning(recordId, runnerId, { ...checkout, ...(parameters && { parameters }) }))
      )
        return undefined;
      // A code-based build's steps and file (a graphical build's steps were stored at its trigger).
      if (checkout.stages && (await tx.steps.list(recordId)).length === 0)
        await tx.steps.insertMany(recordId, this.maskedStages(run, checkout.stages).map(newStep));
      if (checkout.script)
        await tx.scripts.put(recordId, {
          configType: 'YAML',
          path: checkout.script.path,
          script: checkout.script.text,
        });
      // A BuildFlow: its jobs become builds of their own, and the runner's part of it ends here.
      return flow ? await this.flows.start(tx, run, runnerId, checkout, flow) : [];
    });
    if (!marked) return this.startedAgain(runnerId, recordId, checkout);
    // A stop that came while the flow's jobs were made found no flow yet to stop: its jobs are
    // stopped here, before any runner hears of them (should this fail, the flows' sweep does it).
    if (flow && (await this.storage.builds.findRun(recordId))?.cancelRequested)
      await this.flows.stop(recordId);
    else for (const childId of marked) this.events.publish('queued', childId);
    this.logger.info(
      { recordId, jobId: run.build.jobId, runnerId, ...(flow && { flowJobs: flow.jobs.length }) },
      flow ? 'BuildFlow started' : 'build started',
    );
  }

  /**
   * A started report on a build that started already. The same checkout is a retry after a lost
   * answer: answered as the first was, with nothing written again. Another one is refused and the
   * first kept: what a build shows it built must not change while or after it runs.
   */
  private async startedAgain(runnerId: string, recordId: string, checkout: CheckoutInfo): Promise<void> {
    const { build } = await this.held(runnerId, recordId);
    if (build.runningStatus !== 'Running') throw new LeaseLostError(recordId);
    const shown = await this.storage.builds.commitMessages(build.jobId, [build.number]);
    const same =
      build.commitId === checkout.commitId &&
      build.commitTime === checkout.commitTime &&
      build.commitMessage === checkout.commitMessage &&
      (shown.get(build.number)?.author ?? '') === (checkout.commitAuthor ?? '');
    if (!same)
      throw new AppError(
        'CONFLICT',
        `build ${recordId} already started with commit ${build.commitId || '(none)'}; the checkout a started build recorded cannot change`,
      );
  }

  /**
   * The steps a runner read from a build.yml, their names masked as the log is: a name may take a
   * sensitive parameter's value (`name: deploy ${TOKEN}`), and records, stages, history details and
   * DEBUG logs all show the name as stored.
   */
  private maskedStages(run: BuildRun, stages: readonly Stage[]): Stage[] {
    const mask = this.masker(run);
    return stages.map((s) => ({ ...s, name: mask(s.name) }));
  }

  /** Masks a text of the build as its log is masked. */
  private masker(run: BuildRun): (text: string) => string {
    if (!run.plan) return (text) => text;
    const secrets = planSecrets(this.stored.plan(run.plan));
    return (text) => maskSecretText(text, secrets);
  }

  /**
   * A step's test cases, their texts masked as the log is: a test that prints a sensitive value in
   * its name or failure message (read from the build's JUnit files) would show it to every viewer.
   */
  private maskedCases(run: BuildRun, cases: readonly TestCase[]): TestCase[] {
    const mask = this.masker(run);
    return cases.map((c) => ({
      ...c,
      suite: mask(c.suite),
      className: mask(c.className),
      name: mask(c.name),
      message: mask(c.message),
      detail: mask(c.detail),
    }));
  }

  async step(runnerId: string, recordId: string, report: StepReport): Promise<void> {
    const run = await this.held(runnerId, recordId);
    // A step the build does not have would keep test results no view shows (and nothing removes).
    const steps = await this.storage.steps.list(recordId);
    if (!steps.some((s) => s.index === report.index))
      throw new AppError(
        'INVALID_PARAM',
        `build ${recordId} has no step ${report.index} (it has ${steps.length} step${steps.length === 1 ? '' : 's'}, numbered from 0)`,
      );
    const now = this.clock.now();
    if (report.status === 'running') {
      await this.storage.steps.update(recordId, report.index, {
        status: 'running',
        startedAt: now,
        logStart: report.logOffset,
      });
      return;
    }
    const { tests, cases, coverage } = report;
    await this.storage.transaction(async (tx) => {
      await tx.steps.update(recordId, report.index, {
        status: report.status,
        finishedAt: now,
        logEnd: report.logOffset,
        ...(tests && { tests, ...(coverage && { coverage }) }),
      });
      if (tests && cases)
        await tx.testCases.replace(
          recordId,
          report.index,
          this.maskedCases(run, cases.slice(0, TEST_LIMITS.cases)),
        );
    });
  }

  /** Stores a chunk in order; a resend is acknowledged without storing it twice. */
  async log(runnerId: string, recordId: string, chunk: LogChunk): Promise<number> {
    await this.held(runnerId, recordId);
    if (chunk.offset + chunk.data.length > this.options.logMaxBytes + CAP_SLACK) {
      throw new LogCapError(`the log of a build is capped at ${this.options.logMaxBytes} bytes`);
    }
    const result = await this.storage.transaction((tx) => tx.logs.append(recordId, chunk.offset, chunk.data));
    if (result.outcome === 'gap') throw new LogGapError(result.size);
    if (result.outcome === 'appended') this.events.publish('log', recordId);
    return result.size;
  }

  /** Finishes the build with the runner's outcome; only the runner holding it may. */
  async done(runnerId: string, recordId: string, result: BuildResult): Promise<void> {
    const run = await this.held(runnerId, recordId);
    const now = this.clock.now();
    const finished = await this.storage.transaction(async (tx) => {
      const ok = await finishBuild(
        tx,
        recordId,
        {
          state: result.state,
          finishedAt: now,
          buildTime: now - (run.build.runStartedAt ?? now),
          costTime: now - run.build.startTime,
        },
        runnerId,
      );
      if (ok) await tx.steps.closeRunning(recordId, 'error', now);
      return ok;
    });
    if (!finished) throw new LeaseLostError(recordId);
    this.logger.info(
      {
        recordId,
        jobId: run.build.jobId,
        runnerId,
        outcome: result.state,
        durationMs: now - (run.build.runStartedAt ?? now),
      },
      'build finished',
    );
    this.events.finished(recordId, result.state);
    // A finished build may take older ones past the job's retention; the runner need not wait.
    this.artifacts
      .retain(run.build.jobId)
      .catch((e: unknown) =>
        this.logger.warn({ err: e, jobId: run.build.jobId }, 'artifact retention failed'),
      );
    this.retention.kick(run.build.jobId);
  }

  /**
   * Takes back a build the runner cannot run (its build.yml's env.resource asks for another arch or
   * pool), before it started: back in the queue, marked with what it needs, when some runner that
   * announced itself is there; otherwise it ends FAILURE with a line naming what was asked. A build
   * stopped while the runner had it ends ABORTED instead (`endStopped`).
   */
  async requeue(runnerId: string, recordId: string, request: RequeueRequest): Promise<void> {
    const run = await this.held(runnerId, recordId);
    // Still the runner's, but its steps may have run: a hand-back now would run them twice.
    if (run.build.runningStatus === 'Running')
      throw new AppError(
        'CONFLICT',
        `build ${recordId} has started: a started build cannot go back to the queue (requeue is for a build not yet reported started)`,
      );
    const needs: RunnerPlace = {
      ...(request.arch !== undefined && { arch: request.arch }),
      ...(request.pool !== undefined && { pool: request.pool }),
    };
    // A hand-back that names no place would come straight back: no runner is elsewhere.
    const named = needs.arch !== undefined || needs.pool !== undefined;
    const able =
      named &&
      (await this.storage.runners.listTools()).some(
        (r) =>
          r.runnerId !== runnerId &&
          r.arch !== null &&
          r.pool !== null &&
          meetsNeeds(needs, { arch: r.arch, pool: r.pool }),
      );
    const now = this.clock.now();
    const { jobId, startTime } = run.build;
    const outcome = await this.storage.transaction(async (tx) => {
      const back = await tx.builds.unclaim(recordId, runnerId);
      if (!back) return undefined;
      if (back.cancelRequested) {
        await endStopped(tx, recordId, startTime, now);
        return 'ABORTED' as const;
      }
      if (!able) {
        // No runner known can give what the build asks: FAILURE, the log naming the request.
        await endUnstarted(tx, recordId, 'FAILURE', { startTime, now }, [
          `build.yml: ${request.reason}; no runner known has ${describeNeeds(needs)}`,
        ]);
        return 'FAILURE' as const;
      }
      await tx.queue.enqueue(recordId, jobId, now, needs);
      await appendServerLines(
        tx.logs,
        recordId,
        serverLine(`back in the queue for a runner with ${describeNeeds(needs)}`),
      );
      return 'queued' as const;
    });
    if (!outcome) throw new LeaseLostError(recordId);
    const fields = { recordId, jobId, runnerId, needs };
    if (outcome === 'queued') {
      this.logger.info(fields, 'build handed back for another runner');
      this.events.publish('queued', recordId);
    } else if (outcome === 'FAILURE') {
      this.logger.warn(fields, 'no runner can run the build: failed');
      this.events.finished(recordId, 'FAILURE');
    } else this.stoppedBack(recordId, jobId, runnerId);
  }

  /**
   * Puts a claimed build back at its place in the queue, with what it needs of a runner, before it
   * started: its claim never reached the runner (it hung up while waiting), or the runner got it
   * while stopping. A build stopped meanwhile ends ABORTED instead (`endStopped`). Nothing happens
   * when the build is no longer the runner's (a release sent again after a lost answer): the
   * runner's wish, that it not be its own, holds either way.
   */
  async release(runnerId: string, recordId: string): Promise<void> {
    const run = await this.storage.builds.findRun(recordId);
    if (!run || run.runnerId !== runnerId) return;
    const now = this.clock.now();
    const { jobId, startTime } = run.build;
    const outcome = await this.storage.transaction(async (tx) => {
      const back = await tx.builds.unclaim(recordId, runnerId);
      if (!back) return undefined;
      if (back.cancelRequested) {
        await endStopped(tx, recordId, startTime, now);
        return 'ABORTED' as const;
      }
      await putBack(tx, recordId, jobId, back.place, now);
      return 'queued' as const;
    });
    if (outcome === 'queued') {
      this.logger.info({ recordId, jobId, runnerId }, 'build released: back in the queue');
      this.events.publish('queued', recordId);
    } else if (outcome === 'ABORTED') this.stoppedBack(recordId, jobId, runnerId);
  }

  /** Tells of a build that ended ABORTED when its claim came back after a stop (`endStopped`). */
  private stoppedBack(recordId: string, jobId: string, runnerId: string): void {
    this.logger.info(
      { recordId, jobId, runnerId, outcome: 'ABORTED' },
      'build stopped before it started: aborted when its claim came back',
    );
    this.events.finished(recordId, 'ABORTED');
  }

  /**
   * Ends a build whose runner is gone: ABORTED, with a log line saying why. Only while `holder`
   * still holds it and, for the lease sweep (`expiredBefore`), its lease is still out, checked in
   * the statement that ends it: a renewal that landed after the sweep read the build, or another
   * server that got there first (ended it, or put it back for a new runner), wins. False when
   * nothing was ended.
   */
  async abandon(
    recordId: string,
    holder: { runnerId: string; expiredBefore?: number },
    reason: string | ((runner: string) => string),
    event = 'build aborted',
  ): Promise<boolean> {
    const run = await this.storage.builds.findRun(recordId);
    if (!run || run.build.runningStatus === 'Finished' || run.runnerId !== holder.runnerId) return false;
    const why =
      typeof reason === 'string'
        ? reason
        : reason(runnerLabel(await buildRunner(this.storage, run.runnerId).catch(() => undefined)));
    const now = this.clock.now();
    const ended = await this.storage.transaction(async (tx) => {
      const ok = await finishBuild(
        tx,
        recordId,
        {
          state: 'ABORTED',
          finishedAt: now,
          buildTime: run.build.runStartedAt === null ? 0 : now - run.build.runStartedAt,
          costTime: now - run.build.startTime,
        },
        holder.runnerId,
        holder.expiredBefore,
      );
      if (!ok) return false;
      await tx.steps.closeRunning(recordId, 'error', now);
      await tx.queue.remove(recordId);
      // The log ends as a build's log always does, with its outcome (the runner cannot write it).
      await appendServerLines(
        tx.logs,
        recordId,
        Buffer.concat([serverLine(why), serverLine('build finished: ABORTED')]),
      );
      return true;
    });
    if (ended) {
      const durationMs = run.build.runStartedAt === null ? 0 : now - run.build.runStartedAt;
      this.logger.warn(
        {
          recordId,
          jobId: run.build.jobId,
          runnerId: run.runnerId,
          outcome: 'ABORTED',
          durationMs,
          reason: why,
        },
        event,
      );
      this.events.finished(recordId, 'ABORTED');
    }
    return ended;
  }

  /**
   * Takes back builds whose runner stopped extending its lease; returns how many. A build that
   * never started goes back to the queue (`requeueLost`); a started one ends ABORTED.
   */
  async expireLeases(): Promise<number> {
    let n = 0;
    const now = this.clock.now();
    let failed: unknown;
    for (const { recordId, runnerId } of await this.storage.builds.listExpired(now, 100)) {
      // One build that cannot be taken back must not keep the sweep from the others (their dead
      // runners' builds would stay Running for ever): its fault is thrown once they are done, for
      // the loop to log.
      try {
        // A build that started meanwhile is not put back; abandon() checks the lease again.
        if (
          (await this.requeueLost(recordId, runnerId, now)) ||
          (await this.abandon(
            recordId,
            { runnerId, expiredBefore: now },
            (runner) => `${runner}, which ran this build, was lost (it stopped sending heartbeats)`,
            'runner lost: build aborted',
          ))
        )
          n++;
      } catch (error) {
        failed ??= error;
      }
    }
    if (failed !== undefined) throw failed;
    return n;
  }

  /**
   * A lost claim on a build that never started: nothing of it ran (the lease was lost on the wire,
   * or the runner went silent during checkout), so it goes back to its place in the queue with a
   * line in its log saying why, the next runner's output after it. After MAX_LOST_CLAIMS it ends
   * ABORTED instead. False when the build started, was renewed or was taken back by another server
   * meanwhile (the store checks all of that in the statement that takes the claim back).
   */
  private async requeueLost(
    recordId: string,
    runnerId: string,
    now: number,
    how: LostClaim = LEASE_RAN_OUT,
  ): Promise<boolean> {
    const run = await this.storage.builds.findRun(recordId);
    if (!run || run.build.runningStatus !== 'Starting' || run.runnerId !== runnerId) return false;
    const runner = runnerLabel(await buildRunner(this.storage, runnerId).catch(() => undefined));
    const lost = how.why(runner);
    const { jobId, startTime } = run.build;
    const outcome = await this.storage.transaction(async (tx) => {
      const back = await tx.builds.unclaim(
        recordId,
        runnerId,
        how.leaseExpired ? { expiredBefore: now } : {},
      );
      if (!back) return undefined;
      if (back.cancelRequested) {
        await endStopped(tx, recordId, startTime, now);
        return { state: 'stopped' as const, lostClaims: back.lostClaims };
      }
      if (back.lostClaims >= MAX_LOST_CLAIMS) {
        await endUnstarted(tx, recordId, 'ABORTED', { startTime, now }, [
          lost,
          `its runners were lost before it started ${back.lostClaims} times: it is not queued again`,
        ]);
        return { state: 'ABORTED' as const, lostClaims: back.lostClaims };
      }
      await putBack(tx, recordId, jobId, back.place, now);
      await appendServerLines(tx.logs, recordId, serverLine(`${lost}; back at its place in the queue`));
      return { state: 'queued' as const, lostClaims: back.lostClaims };
    });
    if (!outcome) return false;
    const fields = { recordId, jobId, runnerId, lostClaims: outcome.lostClaims };
    if (outcome.state === 'stopped') this.stoppedBack(recordId, jobId, runnerId);
    else if (outcome.state === 'ABORTED') {
      this.logger.warn({ ...fields, outcome: 'ABORTED' }, `${how.told}, too often: build aborted`);
      this.events.finished(recordId, 'ABORTED');
    } else {
      this.logger.warn(fields, `${how.told}: build queued again`);
      this.events.publish('queued', recordId);
    }
    return true;
  }

  /**
   * At start: builds this server's own runner held when the server stopped. A started one can never
   * finish (ABORTED); returns how many it took back, ended or queued again.
   */
  async recoverRunner(runnerId: string): Promise<number> {
    let n = 0;
    let requeued = 0;
    const now = this.clock.now();
    for (const recordId of await this.storage.builds.listHeldBy(runnerId)) {
      // One that had not started (its checkout was under way) goes back to the queue, as when a
      // remote runner's lease runs out: none of its steps ran.
      if (await this.requeueLost(recordId, runnerId, now, SERVER_STOPPED)) requeued++;
      else if (
        await this.abandon(
          recordId,
          { runnerId },
          'the server stopped during the build',
          'build aborted at recovery',
        )
      )
        n++;
    }
    if (n > 0)
      this.logger.warn(
        { runnerId, builds: n },
        'builds that were running when the server stopped ended ABORTED',
      );
    return n + requeued;
  }
}
