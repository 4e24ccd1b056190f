import { sql, type Kysely } from 'kysely';
import type { Build } from '../../domain/build.ts';
import type { BuildWindow, WindowIndex, WindowSeek } from '../ports.ts';
import type { Database } from '../schema.ts';
import { ARRAY_ROWS } from './array-rows.ts';
import { BUILD_COLUMNS, toBuild, type BuildReadRow } from './mappers.ts';

/**
 * A job's builds in a time window, counted and paged without COUNT(*) or OFFSET over the window.
 *
 * Builds are counted per job per UTC day in `build_counts`, kept in step with every insert. A
 * window's total is the sum of its whole days plus an index count of its two partial days. To
 * find page k, one statement reads the window's day counts (`indexWindow`); the day that holds
 * position k is found in memory, and the page query seeks into the index `(job_id, start_time,
 * number)` at the end of that day, skipping at most that day's builds. Costs grow with the days in
 * the window and the builds of one day, not with the length of the history; the engine keeps a
 * window's index while the job's history reads the same, so a page then costs its one query.
 *
 * These are the hottest queries of Kiln (every records page runs them), so they are written as raw
 * SQL templates: portable, and far cheaper to compile than the query builder.
 */
export const BUCKET_MS = 86_400_000;

/** The day bucket of an instant. */
export function bucketOf(epochMs: number): number {
  return Math.floor(epochMs / BUCKET_MS);
}

const COLUMNS = sql.join(BUILD_COLUMNS.map((c) => sql.ref(c)));

async function countRange(db: Kysely<Database>, jobId: string, from: number, to: number): Promise<number> {
  const { rows } = await sql<{ n: number }>`
    select count(*) as n from builds where job_id = ${jobId} and start_time >= ${from} and start_time < ${to}`.execute(
    db,
  );
  return Number(rows[0]?.n ?? 0);
}

/** How many builds lie in the window. */
export async function countInWindow(db: Kysely<Database>, w: BuildWindow): Promise<number> {
  if (w.from >= w.to) return 0;
  const first = bucketOf(w.from);
  const last = bucketOf(w.to - 1);
  if (first === last) return countRange(db, w.jobId, w.from, w.to);
  const { rows } = await sql<{ head: number; tail: number; mid: number }>`
    select
      (select count(*) from builds where job_id = ${w.jobId} and start_time >= ${w.from} and start_time < ${(first + 1) * BUCKET_MS}) as head,
      (select count(*) from builds where job_id = ${w.jobId} and start_time >= ${last * BUCKET_MS} and start_time < ${w.to}) as tail,
      (select coalesce(sum(n), 0) from build_counts where job_id = ${w.jobId} and bucket > ${first} and bucket < ${last}) as mid`.execute(
    db,
  );
  const r = rows[0];
  return Number(r?.head ?? 0) + Number(r?.tail ?? 0) + Number(r?.mid ?? 0);
}

/** The builds of the window below `at.below` (exclusive), newest first, skipping `at.skip` of them. */
export async function pageAt(
  db: Kysely<Database>,
  w: BuildWindow,
  at: WindowSeek,
  limit: number,
): Promise<Build[]> {
  if (w.from >= w.to || limit <= 0) return [];
  const { rows } = await sql<BuildReadRow>`${sql.raw(ARRAY_ROWS)}
    select ${COLUMNS} from builds
    where job_id = ${w.jobId} and start_time >= ${w.from} and start_time < ${Math.min(at.below, w.to)}
    order by start_time desc, number desc
    limit ${limit} offset ${at.skip}`.execute(db);
  return rows.map((row) => toBuild(row));
}

/**
 * A window's days, newest first: the partial last day (`tail`), the whole days between with their
 * counts, then the partial first day. A position is found by a binary search over the running
 * sums; inside its day the page query skips at most that day's builds.
 */
class DayIndex implements WindowIndex {
  readonly total: number;
  /** `ends[i]`: builds in the tail and the whole days up to and including `days[i]`. */
  private readonly ends: number[] = [];

  constructor(
    private readonly w: BuildWindow,
    private readonly tail: number,
    /** Whole days, newest first. */
    private readonly days: { bucket: number; n: number }[],
    head: number,
  ) {
    let sum = tail;
    for (const day of days) this.ends.push((sum += day.n));
    this.total = sum + head;
  }

  seek(offset: number): WindowSeek {
    if (offset < this.tail) return { below: this.w.to, skip: offset };
    let lo = 0;
    let hi = this.days.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((this.ends[mid] as number) > offset) hi = mid;
      else lo = mid + 1;
    }
    const day = this.days[lo];
    if (day)
      return { below: (day.bucket + 1) * BUCKET_MS, skip: offset - ((this.ends[lo] as number) - day.n) };
    // Past every whole day: the position is in the first, partial day.
    const before = this.days.length === 0 ? this.tail : (this.ends[this.days.length - 1] as number);
    return { below: (bucketOf(this.w.from) + 1) * BUCKET_MS, skip: offset - before };
  }
}

/**
 * The window's day counts in one statement: the two partial edge days counted from the window
 * index, the whole days between read from `build_counts`. `kind` tells the rows apart (0: the last,
 * partial day; 1: the first, partial day; 2: a whole day).
 */
export async function indexWindow(db: Kysely<Database>, w: BuildWindow): Promise<WindowIndex> {
  if (w.from >= w.to) return new DayIndex(w, 0, [], 0);
  const first = bucketOf(w.from);
  const last = bucketOf(w.to - 1);
  if (first === last) return new DayIndex(w, await countRange(db, w.jobId, w.from, w.to), [], 0);
  const { rows } = await sql<{ kind: number; bucket: number; n: number }>`
    select 0 as kind, 0 as bucket, count(*) as n from builds
      where job_id = ${w.jobId} and start_time >= ${last * BUCKET_MS} and start_time < ${w.to}
    union all
    select 1, 0, count(*) from builds
      where job_id = ${w.jobId} and start_time >= ${w.from} and start_time < ${(first + 1) * BUCKET_MS}
    union all
    select 2, bucket, n from build_counts where job_id = ${w.jobId} and bucket > ${first} and bucket < ${last}`.execute(
    db,
  );
  let tail = 0;
  let head = 0;
  const days: { bucket: number; n: number }[] = [];
  for (const r of rows) {
    const kind = Number(r.kind);
    if (kind === 0) tail = Number(r.n);
    else if (kind === 1) head = Number(r.n);
    else days.push({ bucket: Number(r.bucket), n: Number(r.n) });
  }
  days.sort((a, b) => b.bucket - a.bucket);
  return new DayIndex(w, tail, days, head);
}

/** Positions `offset .. offset+limit-1` of the window, newest first (start_time, then number). */
export async function pageInWindow(
  db: Kysely<Database>,
  w: BuildWindow,
  offset: number,
  limit: number,
): Promise<Build[]> {
  if (w.from >= w.to || limit <= 0) return [];
  const index = await indexWindow(db, w);
  return offset < index.total ? pageAt(db, w, index.seek(offset), limit) : [];
}
