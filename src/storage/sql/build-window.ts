import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { Build } from '../../domain/build.ts';
import type { BuildWindow, JobsWindow, RecordEntry, WindowIndex, WindowSeek } from '../ports.ts';
import type { Database } from '../schema.ts';
import { ARRAY_ROWS } from './array-rows.ts';
import { BUILD_COLUMNS, toBuild, type BuildReadRow } from './mappers.ts';

/**
 * A job's builds in a time window, counted and paged without COUNT(*) or OFFSET over the window.
 *
 * Builds are counted per job per UTC day in `build_counts`, kept in step with every insert. A
 * window's total is the sum of its whole days plus an index count of its two partial days. To
 * find page k, one statement sums the window's days per block of 32 days (`indexWindow`); the
 * block that holds position k is found in memory, its days are read (once per index), and the
 * page query seeks into the index `(job_id, start_time, number)` at the end of the day that holds
 * it, skipping at most that day's builds. Costs grow with the days in the window (summed in the
 * database) and the builds of one day, not with the length of the history; the engine keeps a
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

/** A job's window, or several jobs' (a project's records) read as one history. */
type AnyWindow = BuildWindow | JobsWindow;

/** The window's jobs as a condition on `job_id`. */
function jobsIn(w: AnyWindow): RawBuilder<unknown> {
  return 'jobIds' in w ? sql`job_id in (${sql.join([...w.jobIds])})` : sql`job_id = ${w.jobId}`;
}

/** Nothing to read: a window that ends before it starts, or of no job. */
const empty = (w: AnyWindow) => w.from >= w.to || ('jobIds' in w && w.jobIds.length === 0);

async function countRange(db: Kysely<Database>, w: AnyWindow, from: number, to: number): Promise<number> {
  const { rows } = await sql<{ n: number }>`
    select count(*) as n from builds where ${jobsIn(w)} and start_time >= ${from} and start_time < ${to}`.execute(
    db,
  );
  return Number(rows[0]?.n ?? 0);
}

/** How many builds lie in the window. */
export async function countInWindow(db: Kysely<Database>, w: AnyWindow): Promise<number> {
  if (empty(w)) return 0;
  const first = bucketOf(w.from);
  const last = bucketOf(w.to - 1);
  if (first === last) return countRange(db, w, w.from, w.to);
  const { rows } = await sql<{ head: number; tail: number; mid: number }>`
    select
      (select count(*) from builds where ${jobsIn(w)} and start_time >= ${w.from} and start_time < ${(first + 1) * BUCKET_MS}) as head,
      (select count(*) from builds where ${jobsIn(w)} and start_time >= ${last * BUCKET_MS} and start_time < ${w.to}) as tail,
      (select coalesce(sum(n), 0) from build_counts where ${jobsIn(w)} and bucket > ${first} and bucket < ${last}) as mid`.execute(
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
    where ${jobsIn(w)} and start_time >= ${w.from} and start_time < ${Math.min(at.below, w.to)}
    order by start_time desc, number desc
    limit ${limit} offset ${at.skip}`.execute(db);
  return rows.map((row) => toBuild(row));
}

/**
 * `pageAt` as records: a build with a record of `format` kept beside it is that text (one column
 * read instead of 24, nothing to map or serialize), and the texts of neighbours are handed on
 * joined, as one string. Builds without one (running builds, builds finished before records were
 * kept or in another format) are read whole by id in a second statement.
 *
 * The texts are joined here rather than by the database (`string_agg`): the aggregate's
 * `order by` (the only portable way to fix the order) sorts the page again and cost SQLite twice
 * the page query; joining 100 short strings costs a few µs.
 */
export async function recordsAt(
  db: Kysely<Database>,
  w: BuildWindow,
  at: WindowSeek,
  limit: number,
  format: number,
): Promise<RecordEntry[]> {
  if (w.from >= w.to || limit <= 0) return [];
  const current = sql`record_format = ${sql.lit(format)}`;
  const { rows } = await sql<{ record: string | null; id: string | null }>`${sql.raw(ARRAY_ROWS)}
    select case when ${current} then record_json end as record, case when ${current} then null else id end as id
    from builds
    where ${jobsIn(w)} and start_time >= ${w.from} and start_time < ${Math.min(at.below, w.to)}
    order by start_time desc, number desc
    limit ${limit} offset ${at.skip}`.execute(db);
  const entries: (RecordEntry | undefined)[] = [];
  /** Positions of the builds without a record, by id. */
  const unrendered = new Map<string, number>();
  let run: string[] = [];
  for (const row of rows) {
    const [record, id] = Array.isArray(row)
      ? (row as unknown as [string | null, string | null])
      : [row.record, row.id];
    if (record !== null) {
      run.push(record);
      continue;
    }
    if (run.length > 0) entries.push(run.join(','));
    run = [];
    unrendered.set(id as string, entries.length);
    entries.push(undefined);
  }
  if (run.length > 0) entries.push(run.join(','));
  if (unrendered.size === 0) return entries as string[];
  const { rows: whole } = await sql<BuildReadRow>`${sql.raw(ARRAY_ROWS)}
    select ${COLUMNS} from builds where id in (${sql.join([...unrendered.keys()])})`.execute(db);
  for (const row of whole) {
    const build = toBuild(row);
    entries[unrendered.get(build.recordId) as number] = build;
  }
  // A build gone between the two statements (its job deleted) is left out.
  return entries.filter((e) => e !== undefined);
}

/** Days per block, the first level of a window's index (3 years of history: 35 blocks). */
const BLOCK_DAYS = 32;

/** Entries newest first with their counts: which one holds a position (a binary search). */
class RunningSums<T extends { n: number }> {
  readonly total: number;
  /** `ends[i]`: the counts of entries 0..i. */
  private readonly ends: number[] = [];

  constructor(readonly entries: readonly T[]) {
    let sum = 0;
    for (const e of entries) this.ends.push((sum += e.n));
    this.total = sum;
  }

  /** The entry holding position `offset` and how many positions come before it; undefined past the end. */
  find(offset: number): { entry: T; before: number } | undefined {
    let lo = 0;
    let hi = this.entries.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((this.ends[mid] as number) > offset) hi = mid;
      else lo = mid + 1;
    }
    const entry = this.entries[lo];
    return entry && { entry, before: (this.ends[lo] as number) - entry.n };
  }
}

/** The buckets of block `block` (`bucket / BLOCK_DAYS` truncates towards zero in SQL, as here). */
function blockRange(block: number): [number, number] {
  const lo = block > 0 ? block * BLOCK_DAYS : block * BLOCK_DAYS - (BLOCK_DAYS - 1);
  const hi = block < 0 ? block * BLOCK_DAYS : block * BLOCK_DAYS + (BLOCK_DAYS - 1);
  return [lo, hi];
}

/**
 * A window, newest first: the partial last day (`tail`), the whole days between in blocks of 32
 * days with their counts, then the partial first day. A position's block is found by a binary
 * search over the blocks' running sums; the days of that block are read once (one statement, at
 * most 32 rows) and searched the same way; inside its day the page query skips at most that day's
 * builds.
 */
class DayIndex implements WindowIndex {
  readonly total: number;
  private readonly blocks: RunningSums<{ block: number; n: number }>;
  /** Days of the blocks read so far, newest first (concurrent seeks share one read). */
  private readonly days = new Map<number, Promise<RunningSums<{ bucket: number; n: number }>>>();

  constructor(
    private readonly db: Kysely<Database>,
    private readonly w: AnyWindow,
    private readonly tail: number,
    /** Blocks of whole days, newest first. */
    blocks: { block: number; n: number }[],
    head: number,
  ) {
    this.blocks = new RunningSums(blocks);
    this.total = tail + this.blocks.total + head;
  }

  async seek(offset: number): Promise<WindowSeek> {
    if (offset < this.tail) return { below: this.w.to, skip: offset };
    const rest = offset - this.tail;
    const inBlock = this.blocks.find(rest);
    // Past every whole day: the position is in the first, partial day.
    if (!inBlock) return { below: (bucketOf(this.w.from) + 1) * BUCKET_MS, skip: rest - this.blocks.total };
    const days = await this.daysOf(inBlock.entry.block);
    const within = rest - inBlock.before;
    // The days are read after their block's sum: a build added in between (only a request racing
    // that write can see it) may make them disagree; the oldest day read is then the place.
    const inDay = days.find(within) ?? {
      entry: days.entries[days.entries.length - 1] ?? { bucket: blockRange(inBlock.entry.block)[0], n: 0 },
      before: days.total - (days.entries[days.entries.length - 1]?.n ?? 0),
    };
    return { below: (inDay.entry.bucket + 1) * BUCKET_MS, skip: Math.max(0, within - inDay.before) };
  }

  private daysOf(block: number): Promise<RunningSums<{ bucket: number; n: number }>> {
    let days = this.days.get(block);
    if (!days) {
      days = readBlockDays(this.db, this.w, block);
      this.days.set(block, days);
      days.catch(() => this.days.delete(block));
    }
    return days;
  }
}

/** The whole days of the window in block `block`, newest first. */
async function readBlockDays(
  db: Kysely<Database>,
  w: AnyWindow,
  block: number,
): Promise<RunningSums<{ bucket: number; n: number }>> {
  const first = bucketOf(w.from);
  const last = bucketOf(w.to - 1);
  const [lo, hi] = blockRange(block);
  const { rows } = await sql<{ bucket: number; n: number }>`
    select bucket, sum(n) as n from build_counts
    where ${jobsIn(w)} and bucket > ${Math.max(first, lo - 1)} and bucket < ${Math.min(last, hi + 1)}
    group by bucket order by bucket desc`.execute(db);
  return new RunningSums(rows.map((r) => ({ bucket: Number(r.bucket), n: Number(r.n) })));
}

/**
 * The window's counts in one statement: the two partial edge days counted from the window index,
 * the whole days between summed per block from `build_counts`. `kind` tells the rows apart (0: the
 * last, partial day; 1: the first, partial day; 2: a block of whole days).
 */
export async function indexWindow(db: Kysely<Database>, w: AnyWindow): Promise<WindowIndex> {
  if (empty(w)) return new DayIndex(db, w, 0, [], 0);
  const first = bucketOf(w.from);
  const last = bucketOf(w.to - 1);
  if (first === last) return new DayIndex(db, w, await countRange(db, w, w.from, w.to), [], 0);
  const block = sql`bucket / ${sql.lit(BLOCK_DAYS)}`;
  const { rows } = await sql<{ kind: number; block: number; n: number }>`
    select 0 as kind, 0 as block, count(*) as n from builds
      where ${jobsIn(w)} and start_time >= ${last * BUCKET_MS} and start_time < ${w.to}
    union all
    select 1, 0, count(*) from builds
      where ${jobsIn(w)} and start_time >= ${w.from} and start_time < ${(first + 1) * BUCKET_MS}
    union all
    select 2, ${block}, sum(n) from build_counts
      where ${jobsIn(w)} and bucket > ${first} and bucket < ${last}
      group by ${block}`.execute(db);
  let tail = 0;
  let head = 0;
  const blocks: { block: number; n: number }[] = [];
  for (const r of rows) {
    const kind = Number(r.kind);
    if (kind === 0) tail = Number(r.n);
    else if (kind === 1) head = Number(r.n);
    else blocks.push({ block: Number(r.block), n: Number(r.n) });
  }
  blocks.sort((a, b) => b.block - a.block);
  return new DayIndex(db, w, tail, blocks, head);
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
  return offset < index.total ? pageAt(db, w, await index.seek(offset), limit) : [];
}

/**
 * Positions `offset .. offset+limit-1` of several jobs' builds in the window, newest first (start
 * time, number, id), found with the window's `index` (indexWindow over the jobs): a project's
 * records. The index finds the day of the first and of the last position, and the page query reads
 * only the builds of those days and the days between: one job's index walks its builds in order,
 * but several jobs' are merged by a sort, so the range it sorts is kept to the page's days.
 */
export async function jobsPage(
  db: Kysely<Database>,
  w: JobsWindow,
  index: WindowIndex,
  offset: number,
  limit: number,
): Promise<Build[]> {
  if (empty(w) || limit <= 0 || offset >= index.total) return [];
  const [at, end] = await Promise.all([
    index.seek(offset),
    index.seek(Math.min(offset + limit, index.total) - 1),
  ]);
  const floor = Math.max(w.from, bucketOf(end.below - 1) * BUCKET_MS);
  const { rows } = await sql<BuildReadRow>`${sql.raw(ARRAY_ROWS)}
    select ${COLUMNS} from builds
    where ${jobsIn(w)} and start_time >= ${floor} and start_time < ${Math.min(at.below, w.to)}
    order by start_time desc, number desc, id desc
    limit ${limit} offset ${at.skip}`.execute(db);
  return rows.map((row) => toBuild(row));
}
