import { afterAll, beforeAll, expect, it } from 'vitest';
import type { BuildState } from '../../../src/domain/build.ts';
import {
  build,
  describeEachStore,
  expectError,
  qs,
  startRecordsKiln,
  type RecordsKiln,
} from '../../helpers/records.ts';

/**
 * ShowJobSuccessRatio: GET /v3/jobs/{job_id}/success-ratio?start_time=yyyy-MM-dd&end_time=yyyy-MM-dd,
 * whole days in the server zone, both inclusive; a bare {success_count, total_count, success_ratio}
 * with the ratio rounded to 2 decimals (reference Appendix A "ShowJobSuccessRatio").
 */

const Z = (iso: string) => Date.parse(iso);

describeEachStore('ShowJobSuccessRatio', (store) => {
  let k: RecordsKiln;

  beforeAll(async () => {
    k = await startRecordsKiln(store, { timeZone: 'Asia/Shanghai' });
  });
  afterAll(() => k.close());

  const ratio = (job: string, start: string, end: string, token?: string) =>
    k.kiln.call(token ?? k.token, {
      method: 'GET',
      url: `/v3/jobs/${job}/success-ratio${qs({ start_time: start, end_time: end })}`,
    });

  async function jobWith(states: BuildState[], at = Z('2024-06-01T04:00:00Z')): Promise<string> {
    const job = await k.newJob();
    await k.insert(
      job,
      states.map((s, i) => build(job, i + 1, at + i * 60_000, { state: s })),
    );
    return job;
  }

  it('answers a bare {success_count, total_count, success_ratio} with integer counts', async () => {
    const job = await jobWith(['SUCCESS', 'SUCCESS', 'FAILURE']);
    const res = await ratio(job, '2024-06-01', '2024-06-01');
    expect(res.statusCode).toBe(200);
    expect(res.headers['x-request-id']).toMatch(/\S/);
    expect(res.json()).toEqual({ success_count: 2, total_count: 3, success_ratio: 0.67 });
    expect(Object.keys(res.json()).sort()).toEqual(['success_count', 'success_ratio', 'total_count']);
  });

  it.each<[BuildState[], number]>([
    [['SUCCESS', 'FAILURE', 'FAILURE'], 0.33],
    [['SUCCESS', 'FAILURE', 'FAILURE', 'FAILURE', 'FAILURE', 'FAILURE'], 0.17],
    [['SUCCESS', 'SUCCESS', 'SUCCESS', 'SUCCESS', 'SUCCESS', 'FAILURE'], 0.83],
    [['SUCCESS', 'SUCCESS', 'FAILURE', 'FAILURE', 'FAILURE', 'FAILURE', 'FAILURE'], 0.29],
    [['SUCCESS', 'SUCCESS'], 1],
    [['FAILURE', 'FAILURE', 'FAILURE', 'FAILURE'], 0],
    [['SUCCESS', 'FAILURE'], 0.5],
  ])('rounds the ratio of %j to 2 decimals (%s)', async (states, expected) => {
    const job = await jobWith(states);
    const body = (await ratio(job, '2024-06-01', '2024-06-01')).json();
    expect(body.success_ratio).toBe(expected);
    expect(body.total_count).toBe(states.length);
    expect(body.success_count).toBe(states.filter((s) => s === 'SUCCESS').length);
  });

  it('leaves ABORTED builds out of both counts, counts timeout as a failure, and skips unfinished ones', async () => {
    const job = await jobWith(['SUCCESS', 'ABORTED', 'FAILURE', 'ABORTED', 'timeout', 'SUCCESS', 'ABORTED']);
    await k.insert(job, [
      build(job, 8, Z('2024-06-01T05:00:00Z'), { state: '', runningStatus: 'Running', finishedAt: null }),
    ]);
    expect((await ratio(job, '2024-06-01', '2024-06-01')).json()).toEqual({
      success_count: 2,
      total_count: 4,
      success_ratio: 0.5,
    });
    // Only stopped builds: nothing says how the code builds, the same answer as no builds.
    const stopped = await jobWith(['ABORTED', 'ABORTED']);
    expect((await ratio(stopped, '2024-06-01', '2024-06-01')).json()).toEqual({
      success_count: 0,
      total_count: 0,
      success_ratio: 0,
    });
  });

  it('answers zeros when no build lies between the dates', async () => {
    const job = await jobWith(['SUCCESS']);
    expect((await ratio(job, '2024-07-01', '2024-07-31')).json()).toEqual({
      success_count: 0,
      total_count: 0,
      success_ratio: 0,
    });
  });

  it('includes both whole days in the server zone and nothing outside them', async () => {
    const job = await k.newJob();
    await k.insert(job, [
      build(job, 1, Z('2024-05-31T15:59:59.999Z'), { state: 'SUCCESS' }), // 05-31 23:59:59.999 Shanghai
      build(job, 2, Z('2024-05-31T16:00:00.000Z'), { state: 'SUCCESS' }), // 06-01 00:00:00
      build(job, 3, Z('2024-06-01T20:00:00.000Z'), { state: 'FAILURE' }), // 06-02 04:00
      build(job, 4, Z('2024-06-02T15:59:59.999Z'), { state: 'FAILURE' }), // 06-02 23:59:59.999
      build(job, 5, Z('2024-06-02T16:00:00.000Z'), { state: 'SUCCESS' }), // 06-03 00:00:00
    ]);
    expect((await ratio(job, '2024-06-01', '2024-06-02')).json()).toEqual({
      success_count: 1,
      total_count: 3,
      success_ratio: 0.33,
    });
    expect((await ratio(job, '2024-06-03', '2024-06-03')).json()).toMatchObject({
      success_count: 1,
      total_count: 1,
    });
    expect((await ratio(job, '2024-05-31', '2024-05-31')).json()).toMatchObject({
      success_count: 1,
      total_count: 1,
    });
    expect((await ratio(job, '2024-05-01', '2024-06-30')).json()).toMatchObject({
      success_count: 3,
      total_count: 5,
    });
  });

  it.each([
    ['start_time', { start_time: '2024-06-01 00:00:00', end_time: '2024-06-02' }],
    ['start_time', { start_time: '2024-6-1', end_time: '2024-06-02' }],
    ['start_time', { start_time: '20240601', end_time: '2024-06-02' }],
    ['start_time', { start_time: '2023-02-30', end_time: '2023-03-02' }],
    ['start_time', { start_time: '2024-13-01', end_time: '2024-12-02' }],
    ['start_time', { start_time: '', end_time: '2024-06-02' }],
    ['start_time', { end_time: '2024-06-02' }],
    ['end_time', { start_time: '2024-06-01', end_time: '2024-06-31' }],
    ['end_time', { start_time: '2024-06-01', end_time: '2024/06/30' }],
    ['end_time', { start_time: '2024-06-01' }],
    ['end_time', { start_time: '2024-06-02', end_time: '2024-06-01' }],
  ])('refuses a bad %s (%j) with 400 CB.00060200 naming it', async (name, params) => {
    const job = await jobWith(['SUCCESS']);
    const res = await k.kiln.call(k.token, {
      method: 'GET',
      url: `/v3/jobs/${job}/success-ratio${qs(params)}`,
    });
    expectError(res, 400, 'CB.00060200', new RegExp(name));
  });

  it('checks job_id shape, then the query, then the job', async () => {
    expectError(await ratio('BAD', '2024-06-01', '2024-06-02'), 400, 'CB.00060201');
    expectError(
      await ratio('ffffffffffffffffffffffffffffffff', '2024-06-02', '2024-06-01'),
      400,
      'CB.00060200',
    );
    expectError(
      await ratio('ffffffffffffffffffffffffffffffff', '2024-06-01', '2024-06-02'),
      404,
      'CB.00060201',
      /^job not found$/,
    );
    const res = await k.kiln.call(undefined, { method: 'GET', url: `/v3/jobs/BAD/success-ratio` });
    expectError(res, 401, 'APIGW.0301');
  });
});

describeEachStore('ShowJobSuccessRatio on DST days (America/New_York)', (store) => {
  let k: RecordsKiln;

  beforeAll(async () => {
    k = await startRecordsKiln(store, { timeZone: 'America/New_York' });
  });
  afterAll(() => k.close());

  it('covers the whole 25-hour fall-back day and the whole 23-hour spring-forward day', async () => {
    const job = await k.newJob();
    await k.insert(job, [
      build(job, 1, Z('2024-11-03T03:59:59.999Z'), { state: 'FAILURE' }), // 11-02 23:59:59.999 EDT
      build(job, 2, Z('2024-11-03T04:00:00.000Z'), { state: 'SUCCESS' }), // 11-03 00:00 EDT
      build(job, 3, Z('2024-11-04T04:59:59.999Z'), { state: 'FAILURE' }), // 11-03 23:59:59.999 EST
      build(job, 4, Z('2024-11-04T05:00:00.000Z'), { state: 'SUCCESS' }), // 11-04 00:00 EST
      build(job, 5, Z('2024-03-10T05:00:00.000Z'), { state: 'SUCCESS' }), // 03-10 00:00 EST
      build(job, 6, Z('2024-03-11T03:59:59.999Z'), { state: 'SUCCESS' }), // 03-10 23:59:59.999 EDT
      build(job, 7, Z('2024-03-11T04:00:00.000Z'), { state: 'FAILURE' }), // 03-11 00:00 EDT
    ]);
    const call = (s: string, e: string) =>
      k.kiln.call(k.token, {
        method: 'GET',
        url: `/v3/jobs/${job}/success-ratio${qs({ start_time: s, end_time: e })}`,
      });
    expect((await call('2024-11-03', '2024-11-03')).json()).toEqual({
      success_count: 1,
      total_count: 2,
      success_ratio: 0.5,
    });
    expect((await call('2024-03-10', '2024-03-10')).json()).toEqual({
      success_count: 2,
      total_count: 2,
      success_ratio: 1,
    });
  });
});
