import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  build,
  describeEachStore,
  qs,
  startRecordsKiln,
  WIDE,
  type RecordsKiln,
} from '../../helpers/records.ts';

/**
 * The statements one records request runs (docs/performance.md "Records API", docs/ARCHITECTURE.md
 * "Build history at any size"): the caller's token with its user and domain in one, the job with
 * its project and the caller's membership in one, then the page itself. A window's counts (per
 * block of 32 days) and the job's health are read once per version of the job's history, the days
 * of a block once when a page first lands in it; a settled page asked again costs no query of its
 * own.
 */

const DAY = 86_400_000;
const T0 = Date.UTC(2024, 2, 1, 8, 0, 0);
const BUILDS = 240;

/** Names the statements the records path runs; anything else shows as its SQL. */
function nameOf(sql: string): string {
  if (/from tokens t\b/.test(sql)) return 'token';
  if (/from jobs j\b/.test(sql)) return 'job access';
  if (/from build_counts\b/.test(sql)) return /union all/.test(sql) ? 'window counts' : 'block days';
  if (/state in \(/.test(sql)) return 'health';
  if (/order by start_time desc, number desc/.test(sql)) return 'page';
  return sql.replace(/\s+/g, ' ').trim();
}

describeEachStore('statements of one records request', (store) => {
  let k: RecordsKiln;
  let jobId: string;
  let seen: string[] | undefined;

  beforeAll(async () => {
    k = await startRecordsKiln(store, { onQuery: (q) => seen?.push(nameOf(q.sql)) });
    jobId = await k.newJob();
    // 240 builds, six a day over 40 days: deep pages lie many days from the newest.
    const builds = Array.from({ length: BUILDS }, (_, i) =>
      build(jobId, i + 1, T0 + Math.floor(i / 6) * DAY + (i % 6) * 3_600_000),
    );
    await k.kiln.storage.transaction((tx) => tx.builds.insertMany(builds));
  });
  afterAll(() => k.close());

  /** GET a page of the whole history; the names of the statements it ran, sorted. */
  async function page(pageIndex: number): Promise<{ names: string[]; result: Record<string, unknown> }> {
    seen = [];
    const res = await k.list(jobId, qs({ ...WIDE, page_index: pageIndex, page_size: 10 }));
    const names = seen.sort();
    seen = undefined;
    expect(res.statusCode).toBe(200);
    return { names, result: res.json().result };
  }

  // The 40 days of builds are UTC days 19783..19822 (2024-03-01 ..): blocks of 32 days put the
  // newest 15 days (positions 0..89) in block 619 and the 25 before (90..239) in block 618.

  it('reads the window, the health and the newest block once, with the first page asked', async () => {
    const first = await page(0);
    expect(first.names).toEqual(['block days', 'health', 'job access', 'page', 'token', 'window counts']);
    expect(first.result.total_record).toBe(String(BUILDS));
  });

  it('then answers any page with three statements, the deepest as the first', async () => {
    expect((await page(1)).names).toEqual(['job access', 'page', 'token']);
    // The first page that lands in the older block reads its days.
    expect((await page(11)).names).toEqual(['block days', 'job access', 'page', 'token']);
    for (const index of [1, 8, 12, 23]) {
      const p = await page(index);
      if (index !== 1) expect(p.names).toEqual(['job access', 'page', 'token']);
      const numbers = (p.result.job_build_states as { number: number }[]).map((b) => b.number);
      expect(numbers).toEqual(Array.from({ length: 10 }, (_, i) => BUILDS - index * 10 - i));
    }
  });

  it('answers a settled page asked again from memory after the token and the job', async () => {
    expect((await page(11)).names).toEqual(['job access', 'token']);
  });

  it('reads the window again once a build is added, and counts it', async () => {
    await k.kiln.storage.transaction((tx) => tx.builds.insertMany([build(jobId, BUILDS + 1, T0 + 40 * DAY)]));
    const after = await page(23);
    expect(after.names).toEqual(['block days', 'health', 'job access', 'page', 'token', 'window counts']);
    expect(after.result.total_record).toBe(String(BUILDS + 1));
    expect((await page(20)).names).toEqual(['job access', 'page', 'token']);
  });
});
