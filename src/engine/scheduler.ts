import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import type { Build } from '../domain/build.ts';
import type { Clock } from '../domain/clock.ts';
import { AppError } from '../domain/errors.ts';
import { toJobSpec, type JobSpec } from '../domain/job-config.ts';
import {
  expressionOfKey,
  latestDue,
  nextDue,
  timerTriggers,
  zoneOfKey,
  type TimerTrigger,
} from '../domain/schedule.ts';
import type { JobRecord, ScheduleEntry, Storage, Stores } from '../storage/ports.ts';
import type { BuildEvents } from './build-events.ts';
import { triggerUserId, userPermissions } from './access.ts';
import { storedJobDocument, type StoredSecrets } from './stored-secrets.ts';
import { createBuild } from './trigger.ts';

/** Schedules a tick takes at most; more due at once fire on the next ticks. */
export const DUE_PER_TICK = 100;

/**
 * Fires the jobs' cron triggers. Each (job, trigger) keeps the last due time it fired for and the
 * next one, computed in the server's time zone when the job is saved and after each firing; a
 * tick reads only the schedules that are due, through an index, so its cost does not grow with
 * the number of jobs. A tick fires once for the latest due time since the last firing, so a time
 * missed while no server was up fires once at start, not once per missed slot. Moving the marks
 * and creating the build happen in one transaction, and the move is a compare-and-set: across any
 * number of servers, a due time fires exactly once. A due time whose build is refused (the job
 * cannot build as it is) passes, its marks moved in a transaction of their own: it would otherwise
 * stay first among the due schedules and be refused again at every tick.
 * Each schedule keeps the time zone its next due time was computed in: the first tick of a server
 * whose zone is another (KILN_TIMEZONE changed) computes it anew, from the last due time. A trigger
 * with a zone of its own (a CodeArts timer's `timeZoneId`, held by its key) is computed in that
 * zone always, and never moved to the server's.
 */
export class Scheduler {
  /**
   * Each job's timer triggers, by a digest of the document they were read from. Not by its update
   * time: two saves in one millisecond (two servers, a fixed clock) would keep the first one's
   * triggers, and a schedule of the second would be taken for a leftover and deleted.
   */
  private triggers = new Map<string, { digest: string; triggers: TimerTrigger[] }>();
  /** Whether the schedules of other time zones were computed anew in this one (first tick). */
  private zoneAdopted = false;

  constructor(
    private readonly storage: Storage,
    private readonly clock: Clock,
    private readonly timeZone: string,
    private readonly events: BuildEvents,
    private readonly stored: StoredSecrets,
    private readonly logger: Logger,
  ) {}

  /**
   * Makes the stored schedules those of the job's timer triggers, in `stores` (the transaction
   * that saves the job). A trigger kept by an update keeps its marks; a new one starts counting
   * `now`: it does not fire for times before it existed.
   */
  async track(stores: Stores, jobId: string, spec: Pick<JobSpec, 'timers'>, now: number): Promise<void> {
    const triggers = timerTriggers(spec);
    await stores.schedules.retain(
      jobId,
      triggers.map((t) => t.key),
    );
    for (const { key, expression, timeZone = this.timeZone } of triggers)
      await stores.schedules.track(
        { jobId, key, lastDue: now, nextDue: nextDue(expression, timeZone, now) },
        timeZone,
      );
  }

  /**
   * When each of the job's timer triggers next builds, in the document's order: the indexed next
   * due time the ticks fire by (one already passed is due, and fires on the next tick). A disabled
   * job's due times pass without a build, so its timers have none. A trigger with no schedule kept
   * (a save racing this read) gets its next time computed from now. The triggers are read from
   * the document here, not through the ticks' cache, which a look at any job would grow.
   */
  async upcoming(job: JobRecord): Promise<UpcomingTimer[]> {
    const kept = new Map((await this.storage.schedules.listOfJob(job.id)).map((e) => [e.key, e]));
    const triggers = timerTriggers(toJobSpec(storedJobDocument(job.config)));
    return triggers.map(({ key, expression, timeZone }) => {
      const zone = timeZone ?? this.timeZone;
      const entry = kept.get(key);
      const next = entry ? entry.nextDue : nextDue(expression, zone, this.clock.now());
      return {
        expression,
        timeZone: zone,
        ownZone: timeZone !== undefined,
        nextDue: job.disabled ? null : next,
      };
    });
  }

  private triggersOf(job: JobRecord): TimerTrigger[] {
    const digest = createHash('sha256').update(job.config).digest('base64');
    const cached = this.triggers.get(job.id);
    if (cached?.digest === digest) return cached.triggers;
    const triggers = timerTriggers(toJobSpec(storedJobDocument(job.config)));
    this.triggers.set(job.id, { digest, triggers });
    return triggers;
  }

  /**
   * Fires whatever is due; returns the number of builds started. One schedule that fails does not
   * keep the others from firing; the first failure is thrown once all were tried, so that the loop
   * tells an outage of the store once, not once per schedule.
   */
  async tick(): Promise<number> {
    if (!this.zoneAdopted) {
      await this.adoptTimeZone();
      this.zoneAdopted = true;
    }
    const now = this.clock.now();
    const jobs = new Map<string, JobRecord | undefined>();
    let fired = 0;
    let failure: { error: unknown } | undefined;
    for (const entry of await this.storage.schedules.listDue(now, DUE_PER_TICK)) {
      try {
        if (!jobs.has(entry.jobId)) jobs.set(entry.jobId, await this.storage.jobs.findById(entry.jobId));
        if (await this.fire(jobs.get(entry.jobId), entry, now)) fired++;
      } catch (error) {
        failure ??= { error };
      }
    }
    if (failure) throw failure.error;
    return fired;
  }

  /**
   * Computes anew, in this server's time zone, the next due time of each schedule whose next due
   * time was computed in another: without it, a server started with another KILN_TIMEZONE would
   * fire such a schedule once at the old zone's time (hours late, or early and then again). From
   * the last due time, so a due time of the new zone that passed since fires at once, as one missed
   * while no server was up. Each schedule is read once, by key, so this ends whatever other servers
   * do meanwhile; one that fired meanwhile has its next time from that firing.
   */
  private async adoptTimeZone(): Promise<void> {
    await this.storage.schedules.adoptUnzoned(this.timeZone);
    let after: ScheduleEntry | undefined;
    for (;;) {
      const page = await this.storage.schedules.listOtherZone(this.timeZone, after, DUE_PER_TICK);
      for (const entry of page) {
        // Computed in its own zone when tracked: the server's is not its to follow.
        if (zoneOfKey(entry.key) !== undefined) continue;
        const next = this.nextOf(entry);
        if (next !== undefined)
          await this.storage.schedules.rezone(entry.jobId, entry.key, entry.lastDue, this.timeZone, next);
      }
      if (page.length < DUE_PER_TICK) return;
      after = page.at(-1);
    }
  }

  /**
   * The next due time of a schedule in this server's zone, from its last; undefined (logged) when
   * its key holds no expression the cron reader takes: that schedule stays as it is, and the others
   * are not held up by it.
   */
  private nextOf(entry: ScheduleEntry): number | null | undefined {
    try {
      return nextDue(expressionOfKey(entry.key), this.timeZone, entry.lastDue);
    } catch (err) {
      this.logger.warn(
        { err, jobId: entry.jobId, trigger: entry.key },
        'schedule not moved to the time zone',
      );
      return undefined;
    }
  }

  private async fire(job: JobRecord | undefined, entry: ScheduleEntry, now: number): Promise<boolean> {
    const trigger = job && this.triggersOf(job).find((t) => t.key === entry.key);
    if (!job) this.triggers.delete(entry.jobId);
    if (!job || !trigger) {
      // Left behind by a delete or an update (both forget their schedules; this one raced them).
      await this.storage.schedules.remove(entry.jobId, entry.key);
      return false;
    }
    const last = entry.lastDue;
    const timeZone = trigger.timeZone ?? this.timeZone;
    const next = nextDue(trigger.expression, timeZone, now);
    const due = latestDue(trigger.expression, timeZone, last, now);
    if (due === undefined) {
      // Listed early (a schedule the upgrade set to "now"): only its next time moves.
      await this.storage.schedules.advance(job.id, entry.key, last, last, next);
      return false;
    }
    return this.fireDue(job, entry, { last, due, next }, now);
  }

  /** Builds for due time `marks.due`, moving the marks; true when this call created the build. */
  private async fireDue(job: JobRecord, entry: ScheduleEntry, marks: Marks, now: number): Promise<boolean> {
    const { last, due, next } = marks;
    let outcome: { build: Build } | { passed: string } | undefined;
    try {
      outcome = await this.storage.transaction(async (tx) =>
        (await tx.schedules.advance(job.id, entry.key, last, due, next))
          ? this.buildIn(tx, job.id, now)
          : undefined,
      );
    } catch (error) {
      // Only a refusal of the build (the job cannot run as it is: an AppError saying why) lets
      // the time pass. A store that is down, a statement timeout or a bug is no fault of the job:
      // the time stays due and fires once that is over.
      if (!(error instanceof AppError) || error.code === 'STORE_UNAVAILABLE' || error.code === 'INTERNAL')
        throw error;
      // Compare-and-set again: of servers refused at once, one moves the marks and logs it.
      if (await this.storage.schedules.advance(job.id, entry.key, last, due, next))
        this.passed(job, entry, due, refusal(error), error);
      return false;
    }
    if (outcome === undefined) return false; // fired elsewhere
    if ('passed' in outcome) {
      this.passed(job, entry, due, outcome.passed);
      return false;
    }
    const { build } = outcome;
    this.logger.info(
      { recordId: build.recordId, jobId: job.id, trigger: entry.key, dueAt: new Date(due).toISOString() },
      'schedule fired',
    );
    this.events.publish('queued', build.recordId);
    return true;
  }

  /**
   * The build of a due time, in the transaction that moved its marks, or why there is none. The job
   * and its owner's rights are read again here: the tick read them before, and a disable or a change
   * of rights that committed since must be seen (one that commits after this read is ordered after
   * the build, as it would be after a RunJob that got in first).
   */
  private async buildIn(
    tx: Stores,
    jobId: string,
    now: number,
  ): Promise<{ build: Build } | { passed: string }> {
    const job = await tx.jobs.findById(jobId);
    if (!job) return { passed: 'the job was deleted' };
    // A disabled job lets its due times pass without building.
    if (job.disabled) return { passed: 'the job is disabled' };
    // Builds run as the job's last editor: one who may no longer run the job lets its times pass.
    const owner = await tx.users.findById(await triggerUserId(tx, job));
    const rights = owner && (await userPermissions(tx, owner, job));
    if (!owner || !rights?.execute)
      return { passed: "the job's creator is gone, disabled, or may no longer run it" };
    const request = { parameters: [] };
    const build = await createBuild(
      tx,
      {
        job,
        user: owner,
        userMayModify: rights.modify,
        triggerType: 'Scheduled',
        request,
        now,
        timeZone: this.timeZone,
      },
      this.stored,
    );
    return { build };
  }

  /** Logs a due time that passed without a build; a refused build warns: the job needs a change. */
  private passed(job: JobRecord, entry: ScheduleEntry, due: number, reason: string, refused?: unknown): void {
    const err = refused instanceof AppError || refused === undefined ? {} : { err: refused };
    this.logger[refused === undefined ? 'info' : 'warn'](
      { ...err, jobId: job.id, trigger: entry.key, dueAt: new Date(due).toISOString(), reason },
      'schedule passed without a build',
    );
  }
}

/** A timer trigger of a job and when it next builds (null: never, or not while the job is disabled). */
export interface UpcomingTimer {
  expression: string;
  /** The zone it is read in: its own, or the server's. */
  timeZone: string;
  /** Whether the zone is the trigger's own (a CodeArts timer's `timeZoneId`). */
  ownZone: boolean;
  nextDue: number | null;
}

/** A schedule's marks for one firing: the due time it last fired for, the one it fires for, the next. */
interface Marks {
  last: number;
  due: number;
  next: number | null;
}

/** Why a scheduled build was refused, for the log: the refusal's own words, or that it failed. */
function refusal(error: unknown): string {
  if (error instanceof AppError) return `the build was refused: ${error.message}`;
  return 'the build could not be created (see err)';
}
