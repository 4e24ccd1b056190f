import { sql, type Kysely } from 'kysely';
import { insightColumns, type InsightColumns } from '../../domain/insights.ts';
import type { InsightJobs } from '../ports.ts';
import type { Database } from '../schema.ts';

const NL = '\n';
const DAY_MS = 86_400_000;
const NEWLINE = 10;
const COMMA = 44;
const ZERO = 48;
const NINE = 57;
/** The numeric fields of a line, before the commit id. */
const NUMBER_FIELDS = 8;

/**
 * The latest `limit` builds of the jobs started in the window, as the insights read them. The
 * database joins the rows into a text per day (`string_agg`, SQLite and PostgreSQL alike), a line
 * per build of integers and the commit id, which is parsed here into columns: a 90-day window of
 * a busy job is 80,000 rows, and the drivers' cost per row and value was most of the insights'
 * time, where a string costs a pass over its characters. (One text for the whole window was
 * slower again on PostgreSQL: node-postgres takes a value of megabytes slowly, and SQLite's
 * string_agg grows one text by copying.) A line is made in one pass (`concat_ws`; every `||`
 * copied the line so far), and the lines are not ordered in their text: an ordered aggregate
 * sorted them again, where they arrive newest first anyway, and insightsOf orders them if not
 * (on 1,000,000 builds, 90 days: 73 ms for the statement before, 48 after). SQLite's texts come
 * as bytes (`asBytes`: a BLOB is a Buffer outside V8's heap; 8 MB of day texts on the heap were
 * copied by its young-generation collections, 17-27% of the read and computation); PostgreSQL
 * would send a bytea as hex, so its texts stay strings. The SQL says what
 * counts: the outcome (a finished build's SUCCESS, FAILURE or timeout), and whether the build is
 * of its job's branch (`domain/insights.ts`, `insightBuildOf`, says the same of a Build).
 */
export async function readInsightRows(
  db: Kysely<Database>,
  w: InsightJobs,
  limit: number,
  asBytes: boolean,
): Promise<InsightColumns> {
  if (w.jobs.length === 0 || w.from >= w.to || limit <= 0) return insightColumns(0);
  const ids = w.jobs.map((j) => j.id);
  const jobIndex =
    w.jobs.length === 1
      ? sql`0`
      : sql`case job_id ${sql.join(
          w.jobs.map((j, i) => sql`when ${j.id} then ${sql.lit(i)}`),
          sql` `,
        )} end`;
  const anyBranch = w.jobs.filter((j) => j.branch === '').map((j) => j.id);
  const named = w.jobs.filter((j) => j.branch !== '');
  const onBranch = sql.join(
    [
      ...(anyBranch.length > 0 ? [sql`job_id in (${sql.join(anyBranch)})`] : []),
      ...named.map((j) => sql`(job_id = ${j.id} and build_type = 'branch' and code_branch = ${j.branch})`),
    ],
    sql` or `,
  );
  const text = (column: string) => sql`coalesce(cast(${sql.ref(column)} as text), '')`;
  const joined = sql`string_agg(line, ${NL})`;
  const { rows } = await sql<{ lines: string | Buffer }>`
    select ${asBytes ? sql`cast(${joined} as blob)` : joined} as lines from (
      select number, start_time, concat_ws(',', ${jobIndex}, number, start_time, ${text('finished_at')},
        (case when running_status <> 'Finished' then '0' when state = 'SUCCESS' then '1'
          when state = 'FAILURE' then '2' when state = 'timeout' then '3' else '0' end),
        (case when ${onBranch} then '1' else '0' end),
        ${text('build_time')}, ${text('commit_time')}, replace(commit_id, ${NL}, '')) as line
      from builds
      where job_id in (${sql.join(ids)}) and start_time >= ${w.from} and start_time < ${w.to}
      order by start_time desc, number desc
      limit ${limit}
    ) latest
    group by start_time / ${sql.lit(DAY_MS)}
    order by start_time / ${sql.lit(DAY_MS)} desc`.execute(db);
  const days = rows.map((r) => r.lines);
  return asBytes ? parseRows(days as Buffer[], BYTES) : parseRows(days as string[], CHARACTERS);
}

/** How parseRows reads a text: its character or byte codes (past the end: not a digit or comma). */
interface TextReader<T> {
  code(text: T, at: number): number;
  find(text: T, code: number, from: number): number;
  slice(text: T, from: number, to: number): string;
}

/** PostgreSQL's texts. */
const CHARACTERS: TextReader<string> = {
  code: (text, at) => text.charCodeAt(at),
  find: (text, code, from) => text.indexOf(String.fromCharCode(code), from),
  slice: (text, from, to) => text.slice(from, to),
};

/** SQLite's texts as UTF-8 (a comma or line break is never part of a longer character). */
const BYTES: TextReader<Buffer> = {
  code: (text, at) => text[at] ?? -1,
  find: (text, code, from) => text.indexOf(code, from),
  slice: (text, from, to) => text.toString('utf8', from, to),
};

/**
 * The lines of readInsightRows (job,number,start,finished,outcome code,on branch,build time,
 * commit time,commit id; an empty field is null) into columns. One loop with its state in locals:
 * a closure per field (the state in its context) cost half again as much.
 */
function parseRows<T extends string | Buffer>(days: T[], read: TextReader<T>): InsightColumns {
  let lines = 0;
  for (const day of days)
    for (let at = 0; at < day.length; at = read.find(day, NEWLINE, at) + 1 || day.length) lines++;
  const c = insightColumns(lines);
  const numbers = [
    c.job,
    c.number,
    c.startTime,
    c.finishedAt,
    c.outcome,
    c.onBranch,
    c.buildTime,
    c.commitTime,
  ];
  let i = 0;
  for (const text of days) {
    const length = text.length;
    let at = 0;
    while (at < length && i < lines) {
      for (let f = 0; f < NUMBER_FIELDS; f++) {
        // Digits read in place (no substring per field); anything else (a sign, a fraction: not
        // in Kiln's columns, but a database may hold them) is read by Number. Empty is null (NaN).
        const start = at;
        let value = 0;
        let ch = read.code(text, at);
        while (ch >= ZERO && ch <= NINE) {
          value = value * 10 + ch - ZERO;
          ch = read.code(text, ++at);
        }
        if (ch !== COMMA) {
          const comma = read.find(text, COMMA, at);
          at = comma < 0 ? length : comma;
          value = Number(read.slice(text, start, at));
        } else if (at === start) value = NaN;
        (numbers[f] as Float64Array)[i] = value;
        at++;
      }
      let end = read.find(text, NEWLINE, at);
      if (end < 0) end = length;
      c.commitId[i++] = read.slice(text, at, end);
      at = end + 1;
    }
  }
  return c;
}
