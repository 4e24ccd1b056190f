import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  build,
  describeEachStore,
  naivePage,
  numbersOf,
  pageOf,
  qs,
  recordJson,
  startRecordsKiln,
  WIDE,
  type RecordsKiln,
} from '../../helpers/records.ts';

/**
 * Pages: 0-based, newest first (start_time desc, then number desc), string totals,
 * total_page = ceil(total_record / page_size), page_index echoed, a page past the end is an
 * empty 200 with the true totals (build-info-records.md "Which builds, in which order", "Response 200").
 */

const T0 = Date.UTC(2024, 2, 1, 8, 0, 0);

describeEachStore('records paging', (store) => {
  let k: RecordsKiln;
  let job25: string;

  beforeAll(async () => {
    k = await startRecordsKiln(store, { timeZone: 'Asia/Shanghai' });
    job25 = await k.newJob();
    await k.insert(
      job25,
      Array.from({ length: 25 }, (_, i) => build(job25, i + 1, T0 + i * 3_600_000)),
    );
  });
  afterAll(() => k.close());

  const range = (from: number, to: number) => {
    const out = [];
    for (let n = from; n >= to; n--) out.push(n);
    return out;
  };

  it('serves page 0 as the newest page (0-based), with the defaults page_index=0 and page_size=10', async () => {
    const res = await k.list(job25, qs(WIDE));
    const page = pageOf(res);
    expect(page.job_build_states.map((r) => r.number)).toEqual(range(25, 16));
    expect(page.page_index).toBe('0');
    expect(page.total_record).toBe('25');
    expect(page.total_page).toBe('3');
  });

  it('holds positions k*size .. (k+1)*size-1 on page k', async () => {
    expect(numbersOf(await k.listAll(job25, { page_index: 1 }))).toEqual(range(15, 6));
    expect(numbersOf(await k.listAll(job25, { page_index: 2 }))).toEqual(range(5, 1));
    expect(numbersOf(await k.listAll(job25, { page_index: 3, page_size: 7 }))).toEqual(range(4, 1));
    expect(numbersOf(await k.listAll(job25, { page_index: 0, page_size: 1 }))).toEqual([25]);
    expect(numbersOf(await k.listAll(job25, { page_index: 24, page_size: 1 }))).toEqual([1]);
  });

  it('visits every build exactly once across the pages', async () => {
    for (const size of [1, 3, 4, 10, 24, 25, 26, 100]) {
      const seen: number[] = [];
      const pages = Math.ceil(25 / size);
      for (let p = 0; p < pages; p++)
        seen.push(...numbersOf(await k.listAll(job25, { page_index: p, page_size: size })));
      expect(seen).toEqual(range(25, 1));
    }
  });

  it('sends health_score, page_index, total_page and total_record as JSON strings of decimal integers', async () => {
    const res = await k.listAll(job25, { page_index: 1, page_size: 4 });
    const page = pageOf(res);
    for (const f of ['health_score', 'page_index', 'total_page', 'total_record'] as const) {
      expect(typeof page[f], f).toBe('string');
      expect(page[f], f).toMatch(/^(0|[1-9]\d*)$/);
    }
    // The raw text carries quotes too (no number sneaks through as a JSON number).
    expect(res.body).toMatch(/"total_record":"25"/);
    expect(res.body).toMatch(/"total_page":"7"/);
    expect(res.body).toMatch(/"page_index":"1"/);
  });

  it('computes total_page as ceil(total_record / page_size)', async () => {
    const cases: Array<[number, string]> = [
      [1, '25'],
      [2, '13'],
      [5, '5'],
      [10, '3'],
      [12, '3'],
      [13, '2'],
      [24, '2'],
      [25, '1'],
      [26, '1'],
      [100, '1'],
    ];
    for (const [size, pages] of cases) {
      const page = pageOf(await k.listAll(job25, { page_size: size }));
      expect({ size, pages: page.total_page }).toEqual({ size, pages });
      expect(page.total_record).toBe('25');
    }
  });

  it('answers total_record "0" and total_page "0" for a window without builds', async () => {
    const empty = await k.newJob();
    for (const size of [1, 10, 100]) {
      const page = pageOf(await k.listAll(empty, { page_size: size }));
      expect(page).toMatchObject({
        total_record: '0',
        total_page: '0',
        page_index: '0',
        job_build_states: [],
      });
    }
    const page = pageOf(await k.listAll(empty, { page_index: 5 }));
    expect(page).toMatchObject({ total_record: '0', total_page: '0', page_index: '5', job_build_states: [] });
  });

  it('echoes the page_index served', async () => {
    for (const p of [0, 1, 2, 7, 123]) {
      expect(pageOf(await k.listAll(job25, { page_index: p })).page_index).toBe(String(p));
    }
  });

  it('answers a page past the end with 200, an empty job_build_states and the true totals', async () => {
    for (const [p, size] of [
      [3, 10],
      [4, 10],
      [25, 1],
      [1, 25],
      [1, 100],
      [1000, 100],
      [2147483647, 100],
    ] as const) {
      const res = await k.listAll(job25, { page_index: p, page_size: size });
      const page = pageOf(res);
      expect(page.job_build_states).toEqual([]);
      expect(page.total_record).toBe('25');
      expect(page.total_page).toBe(String(Math.ceil(25 / size)));
      expect(page.page_index).toBe(String(p));
    }
  });

  it('orders builds by start_time descending even when numbers disagree (imported history)', async () => {
    const job = await k.newJob();
    // Numbers and times in conflicting order: 5 is oldest, 1 is newest.
    const times = { 1: T0 + 5000, 2: T0 + 4000, 3: T0 + 3000, 4: T0 + 2000, 5: T0 + 1000 } as Record<
      number,
      number
    >;
    const res = await k.importLines(
      job,
      [3, 1, 5, 2, 4].map((n) => recordJson(n, times[n] as number)),
    );
    expect(res.statusCode).toBe(200);
    expect(numbersOf(await k.listAll(job))).toEqual([1, 2, 3, 4, 5]);
    expect(numbersOf(await k.listAll(job, { page_size: 2, page_index: 1 }))).toEqual([3, 4]);
    expect(numbersOf(await k.listAll(job, { page_size: 2, page_index: 2 }))).toEqual([5]);
  });

  it('breaks equal start_time ties by number descending, also across page boundaries', async () => {
    const job = await k.newJob();
    const same = T0 + 10_000;
    await k.insert(job, [
      build(job, 4, same),
      build(job, 9, same),
      build(job, 2, same),
      build(job, 7, same),
      build(job, 1, same + 1),
      build(job, 30, same - 1),
    ]);
    expect(numbersOf(await k.listAll(job))).toEqual([1, 9, 7, 4, 2, 30]);
    const pages = [];
    for (let p = 0; p < 3; p++) pages.push(numbersOf(await k.listAll(job, { page_size: 2, page_index: p })));
    expect(pages).toEqual([
      [1, 9],
      [7, 4],
      [2, 30],
    ]);
    expect(numbersOf(await k.listAll(job, { page_size: 4, page_index: 1 }))).toEqual([2, 30]);
  });

  it('pages a history spread over many days (several builds a day, some days empty) like a naive sort', async () => {
    const job = await k.newJob();
    const builds = [];
    let n = 0;
    for (let day = 0; day < 12; day++) {
      const perDay = day % 4 === 3 ? 0 : (day % 3) + 2;
      for (let j = 0; j < perDay; j++) {
        n++;
        // Spread over the day, some right at UTC and Shanghai midnights; number order reversed on odd days.
        const offsets = [0, 16 * 3_600_000, 16 * 3_600_000 - 1, 23 * 3_600_000 + 59 * 60_000];
        const t = Date.UTC(2024, 3, 1 + day) + (offsets[j % offsets.length] as number);
        builds.push(build(job, day % 2 === 1 ? 500 - n : n, t));
      }
    }
    await k.insert(job, builds);
    const windows: Array<[string, string]> = [
      ['2024-04-01 00:00:00', '2024-04-13 07:59:59'],
      ['2024-04-03 08:00:00', '2024-04-09 07:59:59'],
      ['2024-04-02 23:59:59', '2024-04-08 00:00:00'],
      ['2024-04-05 12:00:00', '2024-04-05 12:00:00'],
    ];
    for (const [start, end] of windows) {
      const from = Date.parse(`${start.replace(' ', 'T')}+08:00`);
      const to = Date.parse(`${end.replace(' ', 'T')}+08:00`) + 1000;
      for (const size of [1, 3, 5, 100]) {
        const total = naivePage(builds, from, to, 0, size).total;
        for (let p = 0; p <= Math.ceil(total / size); p++) {
          const expected = naivePage(builds, from, to, p, size);
          const page = pageOf(
            await k.list(job, qs({ start_time: start, end_time: end, page_index: p, page_size: size })),
          );
          expect({ start, end, size, p, numbers: page.job_build_states.map((r) => r.number) }).toEqual({
            start,
            end,
            size,
            p,
            numbers: expected.numbers,
          });
          expect(page.total_record).toBe(String(expected.total));
          expect(page.total_page).toBe(String(Math.ceil(expected.total / size)));
        }
      }
    }
  });

  it('answers the v1 twin with the identical body for the same query', async () => {
    for (const page of [
      { page_index: 0 },
      { page_index: 1, page_size: 7 },
      { page_index: 9, page_size: 7 },
    ]) {
      const query = qs({ ...WIDE, ...page });
      const v3 = await k.list(job25, query, 'v3');
      const v1 = await k.list(job25, query, 'v1');
      expect(v1.statusCode).toBe(200);
      expect(v1.json()).toEqual(v3.json());
    }
    const bad = qs({ ...WIDE, page_size: 101 });
    const v3 = await k.list(job25, bad, 'v3');
    const v1 = await k.list(job25, bad, 'v1');
    expect(v1.statusCode).toBe(400);
    expect(v1.json()).toEqual(v3.json());
  });
});
