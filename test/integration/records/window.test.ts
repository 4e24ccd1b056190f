import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  build,
  describeEachStore,
  numbersOf,
  pageOf,
  qs,
  queuedBuild,
  runningBuild,
  startRecordsKiln,
  type RecordsKiln,
} from '../../helpers/records.ts';

/**
 * The window: wall-clock times in the server's zone, inclusive at both ends at second resolution,
 * `start_time <= build.start_time < end_time + 1 s` (build-info-records.md "Request"). Every
 * instant below is written out by hand in UTC.
 */

const Z = (iso: string) => Date.parse(iso);

async function windowOf(k: RecordsKiln, jobId: string, start: string, end: string, pageSize = 100) {
  const res = await k.list(jobId, qs({ start_time: start, end_time: end, page_size: pageSize }));
  const page = pageOf(res);
  return { numbers: page.job_build_states.map((r) => r.number), total: page.total_record };
}

describeEachStore('window in Asia/Shanghai (UTC+8)', (store) => {
  let k: RecordsKiln;
  let jobId: string;
  // "2024-05-01 10:00:00" .. "2024-05-01 18:30:00" in Shanghai = 02:00:00Z .. 10:30:00Z (+1 s).
  const from = Z('2024-05-01T02:00:00.000Z');
  const end = Z('2024-05-01T10:30:00.000Z');

  beforeAll(async () => {
    k = await startRecordsKiln(store, { timeZone: 'Asia/Shanghai' });
    jobId = await k.newJob();
    await k.insert(jobId, [
      build(jobId, 1, from - 1000), // a second before start_time
      build(jobId, 2, from - 1), // a millisecond before start_time
      build(jobId, 3, from), // exactly start_time
      build(jobId, 4, from + 1),
      build(jobId, 5, Z('2024-05-01T03:00:00.000Z')),
      build(jobId, 6, end), // exactly end_time
      build(jobId, 7, end + 999), // still inside end_time's second
      build(jobId, 8, end + 1000), // end_time + 1 s
      build(jobId, 9, Z('2024-05-01T17:00:00.000Z')), // inside the window if it were read as UTC
    ]);
  });
  afterAll(() => k.close());

  it('includes a build at exactly start_time and excludes one a millisecond earlier', async () => {
    const w = await windowOf(k, jobId, '2024-05-01 10:00:00', '2024-05-01 18:30:00');
    expect(w.numbers).toContain(3);
    expect(w.numbers).not.toContain(2);
    expect(w.numbers).not.toContain(1);
  });

  it('includes a build at exactly end_time and within its second, excludes one at end_time + 1 s', async () => {
    const w = await windowOf(k, jobId, '2024-05-01 10:00:00', '2024-05-01 18:30:00');
    expect(w.numbers).toContain(6);
    expect(w.numbers).toContain(7);
    expect(w.numbers).not.toContain(8);
  });

  it('reads the times in the server zone, not in UTC', async () => {
    const w = await windowOf(k, jobId, '2024-05-01 10:00:00', '2024-05-01 18:30:00');
    expect(w.numbers).toEqual([7, 6, 5, 4, 3]);
    expect(w.total).toBe('5');
    expect(w.numbers).not.toContain(9);
    // The same wall-clock text read as UTC would hold build 9; in Shanghai it is 2024-05-02 01:00:00.
    const next = await windowOf(k, jobId, '2024-05-02 01:00:00', '2024-05-02 01:00:00');
    expect(next.numbers).toEqual([9]);
  });

  it('holds exactly the builds of one second when end_time equals start_time', async () => {
    expect((await windowOf(k, jobId, '2024-05-01 18:30:00', '2024-05-01 18:30:00')).numbers).toEqual([7, 6]);
    expect((await windowOf(k, jobId, '2024-05-01 18:30:01', '2024-05-01 18:30:01')).numbers).toEqual([8]);
    expect((await windowOf(k, jobId, '2024-05-01 09:59:59', '2024-05-01 09:59:59')).numbers).toEqual([2, 1]);
  });

  it('is empty with totals "0" when no build lies in the window', async () => {
    const res = await k.list(
      jobId,
      qs({ start_time: '2024-05-03 00:00:00', end_time: '2024-05-03 23:59:59' }),
    );
    const page = pageOf(res);
    expect(page.job_build_states).toEqual([]);
    expect(page.total_record).toBe('0');
    expect(page.total_page).toBe('0');
  });

  it('includes queued and running builds whose start_time lies in the window', async () => {
    const job = await k.newJob();
    const t = Z('2024-06-01T04:00:00.000Z'); // 12:00:00 in Shanghai
    await k.insert(job, [
      build(job, 1, t),
      runningBuild(job, 2, t + 60_000, t + 70_000),
      queuedBuild(job, 3, t + 120_000),
      queuedBuild(job, 4, t + 3_600_000), // 13:00:00, outside
    ]);
    k.clock.current = t + 7_200_000;
    const w = await windowOf(k, job, '2024-06-01 12:00:00', '2024-06-01 12:59:59');
    expect(w.numbers).toEqual([3, 2, 1]);
    expect(w.total).toBe('3');
  });
});

describeEachStore('window in America/New_York across DST changes', (store) => {
  let k: RecordsKiln;

  beforeAll(async () => {
    k = await startRecordsKiln(store, { timeZone: 'America/New_York' });
  });
  afterAll(() => k.close());

  it('covers the 23-hour spring-forward day (2024-03-10) exactly', async () => {
    const job = await k.newJob();
    await k.insert(job, [
      build(job, 1, Z('2024-03-10T04:59:59.999Z')), // 23:59:59.999 EST on 03-09
      build(job, 2, Z('2024-03-10T05:00:00.000Z')), // 00:00:00 EST
      build(job, 3, Z('2024-03-10T06:59:59.000Z')), // 01:59:59 EST
      build(job, 4, Z('2024-03-10T07:00:00.000Z')), // 03:00:00 EDT
      build(job, 5, Z('2024-03-11T03:59:59.999Z')), // 23:59:59.999 EDT
      build(job, 6, Z('2024-03-11T04:00:00.000Z')), // 00:00:00 EDT on 03-11
      build(job, 7, Z('2024-03-11T04:30:00.000Z')), // would be 23:30 on 03-10 if the day stayed on EST
    ]);
    const w = await windowOf(k, job, '2024-03-10 00:00:00', '2024-03-10 23:59:59');
    expect(w.numbers).toEqual([5, 4, 3, 2]);
    expect(w.total).toBe('4');
  });

  it('maps times on both sides of the spring-forward jump to their own offsets', async () => {
    const job = await k.newJob();
    await k.insert(job, [
      build(job, 1, Z('2024-03-10T06:59:58.999Z')), // 01:59:58.999 EST
      build(job, 2, Z('2024-03-10T06:59:59.000Z')), // 01:59:59 EST
      build(job, 3, Z('2024-03-10T07:00:00.500Z')), // 03:00:00.5 EDT
      build(job, 4, Z('2024-03-10T07:00:01.000Z')), // 03:00:01 EDT
      build(job, 5, Z('2024-03-10T07:30:00.000Z')), // 03:30 EDT
    ]);
    const w = await windowOf(k, job, '2024-03-10 01:59:59', '2024-03-10 03:00:00');
    expect(w.numbers).toEqual([3, 2]);
    const after = await windowOf(k, job, '2024-03-10 03:00:01', '2024-03-10 03:30:00');
    expect(after.numbers).toEqual([5, 4]);
  });

  it('says which time the clocks skip when that alone puts the window out of order', async () => {
    const job = await k.newJob();
    const res = await k.list(job, qs({ start_time: '2024-03-10 02:30:00', end_time: '2024-03-10 03:00:00' }));
    expect(res.statusCode).toBe(400);
    expect(res.json().error_msg).toBe(
      'end_time must not be before start_time (start_time 2024-03-10 02:30:00 does not exist in America/New_York: the clocks skip it; it is read as 2024-03-10 03:30:00)',
    );
    const reversed = await k.list(
      job,
      qs({ start_time: '2024-03-10 05:00:00', end_time: '2024-03-10 04:00:00' }),
    );
    expect(reversed.json().error_msg).toBe('end_time must not be before start_time');
  });

  it('covers the 25-hour fall-back day (2024-11-03) exactly, both 01:30s included', async () => {
    const job = await k.newJob();
    await k.insert(job, [
      build(job, 1, Z('2024-11-03T03:59:59.999Z')), // 23:59:59.999 EDT on 11-02
      build(job, 2, Z('2024-11-03T04:00:00.000Z')), // 00:00:00 EDT
      build(job, 3, Z('2024-11-03T05:30:00.000Z')), // 01:30 EDT
      build(job, 4, Z('2024-11-03T06:30:00.000Z')), // 01:30 EST (the same wall clock again)
      build(job, 5, Z('2024-11-04T04:59:59.500Z')), // 23:59:59.5 EST
      build(job, 6, Z('2024-11-04T05:00:00.000Z')), // 00:00:00 EST on 11-04
      build(job, 7, Z('2024-11-04T04:30:00.000Z')), // 23:30 EST (would be 00:30 on 11-04 if read on EDT)
    ]);
    const w = await windowOf(k, job, '2024-11-03 00:00:00', '2024-11-03 23:59:59');
    expect(w.numbers).toEqual([5, 7, 4, 3, 2]);
    expect(w.total).toBe('5');
  });

  it('reads a summer time with the daylight offset (UTC-4) and a winter time with UTC-5', async () => {
    const job = await k.newJob();
    await k.insert(job, [
      build(job, 1, Z('2024-07-04T16:00:00.000Z')), // 12:00 EDT
      build(job, 2, Z('2024-01-15T17:00:00.000Z')), // 12:00 EST
    ]);
    expect((await windowOf(k, job, '2024-07-04 12:00:00', '2024-07-04 12:00:00')).numbers).toEqual([1]);
    expect((await windowOf(k, job, '2024-01-15 12:00:00', '2024-01-15 12:00:00')).numbers).toEqual([2]);
  });
});

describeEachStore('window in the default zone (UTC)', (store) => {
  let k: RecordsKiln;

  beforeAll(async () => {
    k = await startRecordsKiln(store);
  });
  afterAll(() => k.close());

  it('reads times as UTC when no zone is configured, at second resolution', async () => {
    const job = await k.newJob();
    await k.insert(job, [
      build(job, 1, Date.UTC(2024, 4, 1, 9, 59, 59, 999)),
      build(job, 2, Date.UTC(2024, 4, 1, 10, 0, 0, 0)),
      build(job, 3, Date.UTC(2024, 4, 1, 10, 0, 0, 999)),
      build(job, 4, Date.UTC(2024, 4, 1, 10, 0, 1, 0)),
    ]);
    expect((await windowOf(k, job, '2024-05-01 10:00:00', '2024-05-01 10:00:00')).numbers).toEqual([3, 2]);
    expect((await windowOf(k, job, '2024-05-01 09:59:59', '2024-05-01 10:00:01')).numbers).toEqual([
      4, 3, 2, 1,
    ]);
  });

  it('counts only the window, over many days and across a year boundary', async () => {
    const job = await k.newJob();
    const builds = [];
    for (let d = 0; d < 40; d++) builds.push(build(job, d + 1, Date.UTC(2023, 11, 10 + d, 12, 0, 0)));
    await k.insert(job, builds);
    // 2023-12-25 .. 2024-01-05 inclusive: days 15..26 -> builds 16..27.
    const w = await windowOf(k, job, '2023-12-25 00:00:00', '2024-01-05 23:59:59');
    expect(w.total).toBe('12');
    expect(w.numbers).toEqual(Array.from({ length: 12 }, (_, i) => 27 - i));
    const res = await k.list(
      job,
      qs({ start_time: '2023-12-25 12:00:00', end_time: '2024-01-05 12:00:00', page_size: 5, page_index: 2 }),
    );
    expect(numbersOf(res)).toEqual([17, 16]);
  });
});
