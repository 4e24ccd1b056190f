import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import type { Clock } from '../domain/clock.ts';
import { toJobSpec } from '../domain/job-config.ts';
import { DAY_MS } from '../domain/time.ts';
import type { ArtifactBlobStore, BuildRetentionRule, Storage } from '../storage/ports.ts';
import { removeBuilds } from './build-removal.ts';
import { storedJobDocument } from './stored-secrets.ts';

/**
 * Builds deleted per transaction: small, so that a request waits little behind one (on SQLite a
 * transaction holds the event loop; 50 builds take about 6 ms on the reference machine).
 */
const RETENTION_BATCH = 50;
/** How often every job's build retention is applied: days pass without builds. */
export const BUILD_RETENTION_SWEEP_MS = 600_000;

/**
 * Build retention (job document `kiln.builds_keep_days` / `kiln.builds_keep_last`): the builds a
 * job's rule lets go are deleted with their steps, logs and artifacts, a small batch per
 * transaction, oldest first, pausing between batches as long as a batch took; the store keeps
 * the job's build counts and records version exact.
 * Applied after each build of the job ends, after an import and a change of the job, and to every
 * job every ten minutes. A deleted job is left alone: its builds wait in the recycle bin with it.
 */
export class BuildRetentionService {
  private readonly running = new Map<string, Promise<number>>();
  /** Jobs asked for again while their run was going: one more run follows it (a newer rule, more builds). */
  private readonly again = new Set<string>();
  private stopping = false;

  constructor(
    private readonly storage: Storage,
    private readonly clock: Clock,
    private readonly blobs: ArtifactBlobStore | undefined,
    private readonly logger: Logger,
  ) {}

  /**
   * Applies the job's build retention now; one run per job at a time, and a call during a run
   * gets one more run after it (it may bring a newer rule or builds the run has passed). Returns
   * how many builds went.
   */
  retain(jobId: string): Promise<number> {
    const running = this.running.get(jobId);
    if (running) {
      this.again.add(jobId);
      return running;
    }
    const run = (async () => {
      let gone = 0;
      do {
        this.again.delete(jobId);
        gone += await this.apply(jobId);
      } while (this.again.has(jobId));
      return gone;
    })().finally(() => this.running.delete(jobId));
    this.running.set(jobId, run);
    return run;
  }

  /** At shutdown: ends the runs going at their next batch (the next server carries on) and waits for them. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.again.clear();
    await Promise.allSettled(this.running.values());
  }

  /** retain() in the background: nobody waits for it, a failure is logged. */
  kick(jobId: string): void {
    this.retain(jobId).catch((error: unknown) =>
      this.logger.warn({ err: error, jobId }, 'build retention failed'),
    );
  }

  /** retain() for every job that sets a build retention; one job failing stops no other. Returns how many builds went. */
  async retainAll(): Promise<number> {
    let gone = 0;
    let failed: unknown;
    for (const jobId of await this.storage.jobs.idsWithBuildRetention()) {
      try {
        gone += await this.retain(jobId);
      } catch (error) {
        this.logger.warn({ err: error, jobId }, 'build retention failed');
        failed = error;
      }
    }
    // The loop's outage watch hears of it too.
    if (failed) throw failed;
    return gone;
  }

  private async apply(jobId: string): Promise<number> {
    const job = await this.storage.jobs.findById(jobId);
    if (!job) return 0;
    const keep = toJobSpec(storedJobDocument(job.config)).buildRetention;
    if (keep.days === undefined && keep.last === undefined) return 0;
    const rule: BuildRetentionRule = {
      ...(keep.days !== undefined && { startedBefore: this.clock.now() - keep.days * DAY_MS }),
      ...(keep.last !== undefined && { keepLast: keep.last }),
    };
    let gone = 0;
    for (;;) {
      const began = performance.now();
      const ids = await this.storage.builds.expiredIds(jobId, rule, RETENTION_BATCH);
      const removed = await removeBuilds(this.storage, this.blobs, ids);
      // None left, or another server took these: either way, done.
      if (removed === 0) break;
      gone += removed;
      if (this.stopping) break;
      // Half of the time at most: requests get as long between two batches as a batch took.
      await sleep(performance.now() - began);
    }
    if (gone > 0) this.logger.info({ jobId, builds: gone }, 'builds let go by retention');
    return gone;
  }
}
