import type { Build } from '../domain/build.ts';
import type { Principal } from '../domain/identity.ts';
import type { RunnerPlace } from '../domain/resource-match.ts';
import type { JobRecord, Storage } from '../storage/ports.ts';
import { findJob } from './access.ts';
import { buildRunner, type BuildRunner } from './build-runner.ts';

/** An unfinished build as the queue page shows it. */
export interface QueueEntry {
  build: Build;
  job: JobRecord;
  /**
   * Its place among the waiting builds the caller may see (1: the oldest; the fair claim takes
   * turns between projects, and builds of projects the caller cannot see are not counted); 0 when
   * it is no longer waiting.
   */
  position: number;
  /** What it waits for of a runner (a build.yml's env.resource, once a runner handed it back). */
  needs: RunnerPlace;
  /** Given to a runner (a claimed build not yet started, or a running one). */
  claimed: boolean;
  /** The runner it was given to, while that runner is registered. */
  runner: BuildRunner | undefined;
  /** Whether the caller may run the job, and so stop the build (StopBuildJob asks `execute`). */
  mayExecute: boolean;
}

/** Most unfinished builds read for one look at the queue. */
export const QUEUE_READ = 1000;

/**
 * The builds waiting for a runner and those running, of the jobs the caller may see: those a
 * runner has first, then the waiting ones in queue order, each with its place or its runner. A look reads the oldest QUEUE_READ
 * unfinished builds of the whole server and leaves out those of jobs the caller may not view.
 * What the caller may do with each job is read once per job, not per build: the look that decides
 * whether they may view it says whether they may run (and so stop) it too.
 */
export async function queueView(storage: Storage, caller: Principal): Promise<QueueEntry[]> {
  const unfinished = await storage.builds.listUnfinished(QUEUE_READ);
  const jobs = new Map<string, { job: JobRecord; execute: boolean } | undefined>();
  for (const jobId of new Set(unfinished.map((u) => u.build.jobId))) {
    const access = await findJob(storage, caller, jobId).catch(() => undefined);
    jobs.set(
      jobId,
      access?.permissions.view ? { job: access.job, execute: access.permissions.execute } : undefined,
    );
  }
  const visible = unfinished.filter((u) => jobs.get(u.build.jobId) !== undefined);
  const waiting = await storage.queue.waiting(visible.map((u) => u.build.recordId));
  // Places among what the caller may see: other projects' builds are not counted, nor shown.
  const order = [...waiting.values()].map((w) => w.seq).sort((a, b) => a - b);
  const runners = new Map<string, BuildRunner | undefined>();
  const tools = visible.some((u) => u.runnerId) ? await storage.runners.listTools() : [];
  const entries: QueueEntry[] = [];
  for (const { build, runnerId } of visible) {
    const seen = jobs.get(build.jobId);
    if (!seen) continue;
    const queued = waiting.get(build.recordId);
    if (runnerId && !runners.has(runnerId))
      runners.set(runnerId, await buildRunner(storage, runnerId, tools));
    entries.push({
      build,
      job: seen.job,
      position: queued ? order.indexOf(queued.seq) + 1 : 0,
      needs: queued?.needs ?? {},
      claimed: runnerId !== null,
      runner: runnerId ? runners.get(runnerId) : undefined,
      mayExecute: seen.execute,
    });
  }
  // What runners have first (the longest running first), then the line in the order it is served.
  return entries.sort(
    (x, y) =>
      Math.sign(x.position) - Math.sign(y.position) ||
      x.position - y.position ||
      (x.build.runStartedAt ?? x.build.startTime) - (y.build.runStartedAt ?? y.build.startTime) ||
      x.build.recordId.localeCompare(y.build.recordId),
  );
}
