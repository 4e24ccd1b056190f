import { sql, type Kysely } from 'kysely';
import type { Build } from '../../domain/build.ts';
import type { BuildWindow } from '../ports.ts';
import type { Database } from '../schema.ts';
import { ARRAY_ROWS } from './array-rows.ts';
import { BUILD_COLUMNS, toBuild, type BuildReadRow } from './mappers.ts';

/**
 * A job's builds in a time window, counted and paged without COUNT(*) or OFFSET over the window.
 *
 * Builds are counted per job per UTC day in `build_counts`, kept in step with every insert. A
 * window's total is the sum of its whole days plus an index count of its two partial days, and
 * page k is found by walking the days newest first, adding their counts, to the day that holds
 * position k, then seeking inside that day. Costs grow with the days in the window and the builds
 * of one day, not with the length of the history.
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
/** Days fetched per step of the walk: a page near the top is found in the first step. */
const WALK_STEP = 64;

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

/** Builds of the window below `below` (exclusive), newest first, skipping `skip` of them. */
async function pageBelow(
  db: Kysely<Database>,
  w: BuildWindow,
  below: number,
  skip: number,
  limit: number,
): Promise<Build[]> {
  const { rows } = await sql<BuildReadRow>`${sql.raw(ARRAY_ROWS)}
    select ${COLUMNS} from builds
    where job_id = ${w.jobId} and start_time >= ${w.from} and start_time < ${Math.min(below, w.to)}
    order by start_time desc, number desc
    limit ${limit} offset ${skip}`.execute(db);
  return rows.map((row) => toBuild(row));
}

/**
 * The whole day holding position `rest` among the days strictly between `first` and `last`,
 * newest first, and how many builds come before it; undefined when the position is past them.
 */
async function dayHolding(
  db: Kysely<Database>,
  jobId: string,
  first: number,
  last: number,
  rest: number,
): Promise<{ bucket: number; before: number } | undefined> {
  let seen = 0;
  let below = last;
  for (;;) {
    const { rows } = await sql<{ bucket: number; n: number }>`
      select bucket, n from build_counts
      where job_id = ${jobId} and bucket > ${first} and bucket < ${below}
      order by bucket desc limit ${WALK_STEP}`.execute(db);
    for (const row of rows) {
      const n = Number(row.n);
      if (seen + n > rest) return { bucket: Number(row.bucket), before: seen };
      seen += n;
    }
    if (rows.length < WALK_STEP) return undefined;
    below = Number(rows[rows.length - 1]?.bucket);
  }
}

/** Positions `offset .. offset+limit-1` of the window, newest first (start_time, then number). */
export async function pageInWindow(
  db: Kysely<Database>,
  w: BuildWindow,
  offset: number,
  limit: number,
): Promise<Build[]> {
  if (w.from >= w.to || limit <= 0) return [];
  const first = bucketOf(w.from);
  const last = bucketOf(w.to - 1);
  if (first === last) return pageBelow(db, w, w.to, offset, limit);
  const tail = await countRange(db, w.jobId, last * BUCKET_MS, w.to);
  if (offset < tail) return pageBelow(db, w, w.to, offset, limit);
  const rest = offset - tail;
  const day = await dayHolding(db, w.jobId, first, last, rest);
  if (day) return pageBelow(db, w, (day.bucket + 1) * BUCKET_MS, rest - day.before, limit);
  // Past every whole day: the position is in the first, partial day.
  const { rows } = await sql<{ s: number }>`
    select coalesce(sum(n), 0) as s from build_counts where job_id = ${w.jobId} and bucket > ${first} and bucket < ${last}`.execute(
    db,
  );
  return pageBelow(db, w, (first + 1) * BUCKET_MS, rest - Number(rows[0]?.s ?? 0), limit);
}
