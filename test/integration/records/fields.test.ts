import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  build,
  describeEachStore,
  expectError,
  expectRecordShape,
  nullPaths,
  pageOf,
  queuedBuild,
  recordJson,
  runningBuild,
  startRecordsKiln,
  type RecordJson,
  type RecordsKiln,
} from '../../helpers/records.ts';

/**
 * BuildInfoRecord: every field present with its JSON type, never null, for finished, running and
 * queued builds; the derived fields (build_time/cost_time so far, commit_info, commit_detail_url);
 * ShowBuildInfoRecord's envelope (build-info-records.md "BuildInfoRecord").
 */

const SHA = 'ffe2ee8b44a0b2683df86b44f8ec27d71baeae86';
const T = Date.UTC(2024, 5, 1, 10, 0, 0, 123);

describeEachStore('record fields', (store) => {
  let k: RecordsKiln;

  beforeAll(async () => {
    k = await startRecordsKiln(store, { timeZone: 'Asia/Shanghai' });
  });
  afterAll(() => k.close());

  async function only(jobId: string): Promise<Record<string, unknown>> {
    const page = pageOf(await k.listAll(jobId));
    expect(page.job_build_states.length).toBe(1);
    return page.job_build_states[0] as unknown as Record<string, unknown>;
  }

  it('shows a finished build with every field present and typed, integers as integers', async () => {
    const job = await k.newJob();
    await k.insert(job, [
      build(job, 44, T, {
        dailyBuildNumber: '20240601.3',
        runStartedAt: T + 5_000,
        finishedAt: T + 3_530_000,
        buildTime: 3_525_000,
        costTime: 3_530_000,
        state: 'FAILURE',
        triggerType: 'Scheduled',
        userId: 'ae22fd035f354cfa8d82a3f1c8940446',
        executor: 'test',
        nickname: '021',
        commitId: SHA,
        commitTime: Date.UTC(2023, 10, 21, 1, 48, 21),
        buildType: 'tag',
        codeBranch: 'v1.2.3',
        scmType: 'github',
        scmWebUrl: 'https://github.com/acme/app',
      }),
    ]);
    const r = await only(job);
    expectRecordShape(r);
    expect(r).toEqual({
      number: 44,
      build_time: 3_525_000,
      start_time: T,
      job_running_status: 'Finished',
      state: 'FAILURE',
      user_id: 'ae22fd035f354cfa8d82a3f1c8940446',
      executor: 'test',
      nickname: '021',
      daily_build_number: '20240601.3',
      trigger_type: 'Scheduled',
      cost_time: 3_530_000,
      commit_id: SHA,
      commit_info: { commit_id: SHA, created_at: '2023-11-21T01:48:21.000+00:00' },
      build_type: 'tag',
      code_branch: 'v1.2.3',
      scm_type: 'github',
      scm_web_url: 'https://github.com/acme/app',
      commit_detail_url: `https://github.com/acme/app/commit/${SHA}`,
    });
  });

  it('sends start_time as epoch milliseconds, milliseconds kept', async () => {
    const job = await k.newJob();
    await k.insert(job, [build(job, 1, 1703554641987)]);
    const res = await k.listAll(job);
    expect(res.body).toMatch(/"start_time":1703554641987[,}]/);
    expect(res.body).toMatch(/"number":1[,}]/);
  });

  it('prints commit_info.created_at in UTC with milliseconds and +00:00, whatever the server zone', async () => {
    const job = await k.newJob();
    await k.insert(job, [build(job, 1, T, { commitTime: Date.UTC(2024, 0, 2, 23, 4, 5, 67) })]);
    const r = (await only(job)) as unknown as RecordJson;
    expect(r.commit_info.created_at).toBe('2024-01-02T23:04:05.067+00:00');
    expect(r.commit_info.commit_id).toBe(r.commit_id);
  });

  it('shows each finished state as documented (SUCCESS, FAILURE, ABORTED, lower-case timeout)', async () => {
    const job = await k.newJob();
    const states = ['SUCCESS', 'FAILURE', 'ABORTED', 'timeout'] as const;
    await k.insert(
      job,
      states.map((s, i) => build(job, i + 1, T + i * 1000, { state: s })),
    );
    const page = pageOf(await k.listAll(job));
    expect(page.job_build_states.map((r) => [r.number, r.job_running_status, r.state])).toEqual([
      [4, 'Finished', 'timeout'],
      [3, 'Finished', 'ABORTED'],
      [2, 'Finished', 'FAILURE'],
      [1, 'Finished', 'SUCCESS'],
    ]);
  });

  it('shows a running build with state "", build_time and cost_time so far on the server clock', async () => {
    const job = await k.newJob();
    await k.insert(job, [runningBuild(job, 1, T, T + 15_000)]);
    k.clock.current = T + 75_000;
    let r = (await only(job)) as unknown as RecordJson;
    expectRecordShape(r as unknown as Record<string, unknown>);
    expect(r).toMatchObject({
      job_running_status: 'Running',
      state: '',
      build_time: 60_000,
      cost_time: 75_000,
    });
    k.clock.advance(2_500);
    r = (await only(job)) as unknown as RecordJson;
    expect(r).toMatchObject({ build_time: 62_500, cost_time: 77_500 });
  });

  it('shows a queued build with state "", build_time 0 and cost_time so far, no nulls', async () => {
    const job = await k.newJob();
    await k.insert(job, [queuedBuild(job, 1, T)]);
    k.clock.current = T + 42_000;
    const r = (await only(job)) as unknown as RecordJson;
    expectRecordShape(r as unknown as Record<string, unknown>);
    expect(r).toMatchObject({
      job_running_status: 'Starting',
      state: '',
      build_time: 0,
      cost_time: 42_000,
      commit_id: '',
      commit_detail_url: '',
    });
    expect(r.commit_info.commit_id).toBe('');
    expect(typeof r.commit_info.created_at).toBe('string');
  });

  it('never sends null anywhere in a page mixing finished, running and queued builds', async () => {
    const job = await k.newJob();
    await k.insert(job, [
      build(job, 1, T, { commitTime: null, scmWebUrl: '', scmType: 'gitlab' }),
      runningBuild(job, 2, T + 1000, T + 2000),
      queuedBuild(job, 3, T + 3000),
    ]);
    k.clock.current = T + 10_000;
    const res = await k.listAll(job);
    expect(nullPaths(res.json().result)).toEqual([]);
    for (const r of pageOf(res).job_build_states) expectRecordShape(r as unknown as Record<string, unknown>);
  });

  it.each([
    [
      'codehub (web URL ending in /home)',
      'codehub',
      'https://test.huawei.com/codehub/2111750206/home',
      `https://test.huawei.com/codehub/2111750206/${SHA}/commitdetail`,
    ],
    ['github', 'github', 'https://github.com/acme/app', `https://github.com/acme/app/commit/${SHA}`],
    ['gitee', 'gitee', 'https://gitee.com/acme/app', `https://gitee.com/acme/app/commit/${SHA}`],
    [
      'gitlab',
      'gitlab',
      'https://gitlab.com/acme/group/app',
      `https://gitlab.com/acme/group/app/-/commit/${SHA}`,
    ],
    ['plain git', 'git', 'https://git.example.com/acme/app', ''],
    ['github without a web URL', 'github', '', ''],
    ['codehub without a web URL', 'codehub', '', ''],
  ])('derives commit_detail_url for %s', async (_what, scmType, webUrl, expected) => {
    const job = await k.newJob();
    await k.insert(job, [build(job, 1, T, { commitId: SHA, scmType, scmWebUrl: webUrl })]);
    const r = (await only(job)) as unknown as RecordJson;
    expect(r.scm_type).toBe(scmType);
    expect(r.scm_web_url).toBe(webUrl);
    expect(r.commit_detail_url).toBe(expected);
  });

  it('gives no commit_detail_url before checkout resolved the commit', async () => {
    const job = await k.newJob();
    await k.insert(job, [
      runningBuild(job, 1, T, T + 1),
      build(job, 2, T + 5, {
        commitId: '',
        commitTime: null,
        scmType: 'github',
        scmWebUrl: 'https://github.com/acme/app',
        state: 'FAILURE',
      }),
    ]);
    const page = pageOf(await k.listAll(job));
    const two = page.job_build_states.find((r) => r.number === 2) as RecordJson;
    expect(two.commit_id).toBe('');
    expect(two.commit_detail_url).toBe('');
    expect(two.commit_info.commit_id).toBe('');
  });

  it('reproduces the documented example record field for field (imported)', async () => {
    const job = await k.newJob();
    const example = recordJson(44, 1703554641000, {
      build_time: 3525000,
      cost_time: 3525000,
      commit_id: SHA,
      commit_info: { commit_id: SHA, created_at: '2023-11-21T01:48:21.000+00:00' },
      daily_build_number: '20231226.1',
      executor: 'test',
      nickname: '021',
      scm_type: 'codehub',
      scm_web_url: 'https://test.huawei.com/codehub/2111750206/home',
      commit_detail_url: `https://test.huawei.com/codehub/2111750206/${SHA}/commitdetail`,
      trigger_type: 'Manual',
      user_id: 'ae22fd035f354cfa8d82a3f1c8940446',
    });
    expect((await k.importLines(job, [example])).statusCode).toBe(200);
    expect(await only(job)).toEqual(example);
  });
});

describeEachStore('ShowBuildInfoRecord', (store) => {
  let k: RecordsKiln;
  let job: string;

  beforeAll(async () => {
    k = await startRecordsKiln(store);
    job = await k.newJob();
    await k.insert(job, [
      build(job, 1, T, { scmType: 'gitlab', scmWebUrl: 'https://gitlab.com/a/b', commitId: SHA }),
      runningBuild(job, 2, T + 60_000, T + 61_000),
      queuedBuild(job, 3, T + 120_000),
    ]);
    k.clock.current = T + 180_000;
  });
  afterAll(() => k.close());

  it('answers {result: record, error: null, status: "success"} with the record the list shows', async () => {
    const list = pageOf(await k.listAll(job)).job_build_states;
    for (const n of [1, 2, 3]) {
      const res = await k.one(job, n);
      expect(res.statusCode).toBe(200);
      expect(res.headers['x-request-id']).toMatch(/\S/);
      const body = res.json();
      expect(Object.keys(body).sort()).toEqual(['error', 'result', 'status']);
      expect(body.error).toBeNull();
      expect(body.status).toBe('success');
      expectRecordShape(body.result);
      expect(body.result).toEqual(list.find((r) => r.number === n));
    }
  });

  it('shows running and queued builds as they are now', async () => {
    expect((await k.one(job, 2)).json().result).toMatchObject({
      job_running_status: 'Running',
      state: '',
      build_time: 119_000,
      cost_time: 120_000,
    });
    expect((await k.one(job, 3)).json().result).toMatchObject({
      job_running_status: 'Starting',
      state: '',
      build_time: 0,
      cost_time: 60_000,
    });
  });

  it('answers 404 for a build number the job does not have', async () => {
    for (const n of [4, 999, 2147483647]) {
      const res = await k.one(job, n);
      expect(res.statusCode).toBe(404);
      expect(Object.keys(res.json()).sort()).toEqual(['error_code', 'error_msg']);
      expect(res.json().error_msg).toMatch(/build|not found/i);
    }
  });

  it('answers an unknown job with 404 CB.00060201 "job not found" and a bad job_id with 400 CB.00060201', async () => {
    expectError(await k.one('ffffffffffffffffffffffffffffffff', 1), 404, 'CB.00060201', /^job not found$/);
    expectError(await k.one('NOT-A-JOB', 1), 400, 'CB.00060201', /job_id/);
  });

  it.each(['0', '-1', '1.5', '1e3', '+1', 'abc', '2147483648', '99999999999999999999'])(
    'refuses build_no %j with 400 CB.00060200 naming build_no',
    async (n) => {
      expectError(await k.one(job, n), 400, 'CB.00060200', /build_no/);
    },
  );

  it('answers a missing token with 401 before looking at the path', async () => {
    const res = await k.kiln.call(undefined, {
      method: 'GET',
      url: `/v1/record/NOT-A-JOB/0/build-info-record`,
    });
    expectError(res, 401, 'APIGW.0301');
  });
});
