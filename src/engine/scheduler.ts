import { Cron } from 'croner';
import type { Clock } from '../domain/clock.ts';
import { toJobSpec, type JobSpec } from '../domain/job-config.ts';
import type { JobRecord, Storage } from '../storage/ports.ts';
import type { BuildEvents } from './build-events.ts';
import { storedJobDocument, type StoredSecrets } from './stored-secrets.ts';
import { createBuild } from './trigger.ts';

/** The latest time `expression` was due in (after, atOrBefore], or undefined. */
export function latestDue(
  expression: string,
  timeZone: string,
  after: number,
  atOrBefore: number,
): number | undefined {
  const cron = new Cron(expression, { timezone: timeZone, paused: true });
  const [latest] = cron.previousRuns(1, new Date(atOrBefore + 1));
  const t = latest?.getTime();
  return t !== undefined && t > after ? t : undefined;
}

/**
 * Fires the jobs' cron triggers. Each (job, trigger) remembers the last due time it fired for; a
 * tick fires once for the latest due time since then, so a time missed while no server was up
 * fires once at start, not once per missed slot. Moving that mark and creating the build happen
 * in one transaction, and the move is a compare-and-set: across any number of servers, a due time
 * fires exactly once.
 */
export class Scheduler {
  private specs = new Map<string, { updatedAt: number; spec: JobSpec }>();

  constructor(
    private readonly storage: Storage,
    private readonly clock: Clock,
    private readonly timeZone: string,
    private readonly events: BuildEvents,
    private readonly stored: StoredSecrets,
  ) {}

  private specOf(job: JobRecord): JobSpec {
    const cached = this.specs.get(job.id);
    if (cached && cached.updatedAt === job.updatedAt) return cached.spec;
    const spec = toJobSpec(storedJobDocument(job.config));
    this.specs.set(job.id, { updatedAt: job.updatedAt, spec });
    return spec;
  }

  /** Fires whatever is due; returns the number of builds started. */
  async tick(): Promise<number> {
    const now = this.clock.now();
    let fired = 0;
    for (const job of await this.storage.jobs.listAll()) {
      const spec = this.specOf(job);
      for (const [index, expression] of spec.cron.entries()) {
        if (await this.fire(job, `${index}:${expression}`, expression, now)) fired++;
      }
    }
    return fired;
  }

  private async fire(job: JobRecord, key: string, expression: string, now: number): Promise<boolean> {
    const last = await this.storage.schedules.lastDue(job.id, key);
    if (last === undefined) {
      // A schedule first seen starts counting now: it does not fire for times before it existed.
      await this.storage.schedules.init(job.id, key, now);
      return false;
    }
    const due = latestDue(expression, this.timeZone, last, now);
    if (due === undefined) return false;
    const owner = await this.storage.users.findById(job.creatorId);
    const build = await this.storage.transaction(async (tx) => {
      if (!(await tx.schedules.advance(job.id, key, last, due))) return undefined;
      // A disabled job lets its due times pass without building.
      if (job.disabled || !owner) return undefined;
      return createBuild(
        tx,
        {
          job,
          user: owner,
          triggerType: 'Scheduled',
          request: { parameters: [] },
          now,
          timeZone: this.timeZone,
        },
        this.stored,
      );
    });
    if (build) this.events.publish('queued', build.recordId);
    return build !== undefined;
  }
}
