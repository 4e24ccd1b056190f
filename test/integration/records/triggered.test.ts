import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  describeEachStore,
  expectRecordShape,
  pageOf,
  qs,
  recordJson,
  startRecordsKiln,
  type RecordJson,
  type RecordsKiln,
} from '../../helpers/records.ts';

/**
 * Builds Kiln triggers itself (RunJob, no runner attached, so they stay queued): the record exists
 * from the moment the trigger is accepted, its number and start_time are allocated together, and the
 * daily_build_number date is the server zone's (build-info-records.md "Which builds", "BuildInfoRecord").
 */

describeEachStore('records of builds Kiln triggers', (store) => {
  let k: RecordsKiln;

  beforeAll(async () => {
    k = await startRecordsKiln(store, { timeZone: 'Asia/Shanghai' });
  });
  afterAll(() => k.close());

  async function run(job: string): Promise<{ number: number; daily: string }> {
    const res = await k.kiln.call(k.token, {
      method: 'POST',
      url: '/v3/jobs/build',
      payload: { job_id: job },
    });
    expect({ status: res.statusCode, body: res.body }).toMatchObject({ status: 200 });
    return { number: Number(res.json().actual_build_number), daily: res.json().daily_build_number };
  }

  async function records(job: string): Promise<RecordJson[]> {
    return pageOf(await k.listAll(job, { page_size: 100 })).job_build_states;
  }

  it('shows a triggered build at once as queued: Starting, state "", build_time 0, cost_time so far', async () => {
    const job = await k.newJob({
      scms: [
        {
          url: 'https://github.com/acme/app.git',
          scm_type: 'github',
          branch: 'main',
          web_url: 'https://github.com/acme/app',
        },
      ],
    });
    await k.setClock(Date.UTC(2024, 5, 1, 4, 0, 0, 250));
    const triggeredAt = k.clock.current;
    const { number, daily } = await run(job);
    k.clock.advance(5_000);
    const [r] = await records(job);
    expectRecordShape(r as unknown as Record<string, unknown>);
    expect(r).toMatchObject({
      number,
      daily_build_number: daily,
      start_time: triggeredAt,
      job_running_status: 'Starting',
      state: '',
      build_time: 0,
      cost_time: 5_000,
      trigger_type: 'Manual',
      executor: 'admin',
      build_type: 'branch',
      code_branch: 'main',
      scm_type: 'github',
      scm_web_url: 'https://github.com/acme/app',
      commit_detail_url: '',
    });
    expect(r?.user_id).toMatch(/^[0-9a-z]{32}$/);
    expect((await k.one(job, number)).json().result).toEqual(r);
  });

  it('numbers builds 1, 2, 3 in trigger order, so number order and start_time order agree', async () => {
    const job = await k.newJob();
    await k.setClock(Date.UTC(2024, 5, 2, 1, 0, 0));
    const numbers = [];
    for (let i = 0; i < 4; i++) {
      numbers.push((await run(job)).number);
      k.clock.advance(1_000);
    }
    expect(numbers).toEqual([1, 2, 3, 4]);
    const shown = await records(job);
    expect(shown.map((r) => r.number)).toEqual([4, 3, 2, 1]);
    const times = shown.map((r) => r.start_time);
    expect([...times].sort((a, b) => b - a)).toEqual(times);
  });

  it('dates daily_build_number in the server zone and counts each day from 1', async () => {
    const job = await k.newJob();
    await k.setClock(Date.parse('2024-06-01T15:59:59.000Z')); // 2024-06-01 23:59:59 in Shanghai
    expect((await run(job)).daily).toBe('20240601.1');
    await k.setClock(Date.parse('2024-06-01T16:00:00.000Z')); // 2024-06-02 00:00:00 in Shanghai (still 06-01 in UTC)
    expect((await run(job)).daily).toBe('20240602.1');
    expect((await run(job)).daily).toBe('20240602.2');
    const shown = await records(job);
    expect(shown.map((r) => r.daily_build_number)).toEqual(['20240602.2', '20240602.1', '20240601.1']);
  });

  it('numbers a build triggered after an import past the imported history (no duplicates)', async () => {
    const job = await k.newJob();
    const imported = [
      recordJson(1, Date.UTC(2024, 0, 1)),
      recordJson(100, Date.UTC(2024, 0, 2), { daily_build_number: '20240603.7' }),
    ];
    expect((await k.importLines(job, imported)).statusCode).toBe(200);
    await k.setClock(Date.parse('2024-06-03T02:00:00.000Z')); // 2024-06-03 10:00 in Shanghai
    const next = await run(job);
    expect(next.number).toBe(101);
    expect(next.daily).toBe('20240603.8');
    const numbers = (await records(job)).map((r) => r.number);
    expect(numbers).toEqual([101, 100, 1]);
    expect(new Set(numbers).size).toBe(numbers.length);
  });

  it('shows a queued build stopped before it started as Finished ABORTED, ignored by health', async () => {
    const job = await k.newJob();
    await k.setClock(Date.UTC(2024, 5, 4, 0, 0, 0));
    const { number } = await run(job);
    k.clock.advance(3_000);
    const stop = await k.kiln.call(k.token, { method: 'POST', url: `/v3/jobs/${job}/${number}/stop` });
    expect(stop.statusCode).toBe(200);
    const page = pageOf(
      await k.list(job, qs({ start_time: '2024-06-04 00:00:00', end_time: '2024-06-04 23:59:59' })),
    );
    expect(page.job_build_states[0]).toMatchObject({
      number,
      job_running_status: 'Finished',
      state: 'ABORTED',
      build_time: 0,
      cost_time: 3_000,
    });
    expect(page.health_score).toBe('100');
  });
});
