import { randomUUID } from 'node:crypto';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LightMyRequestResponse } from 'fastify';
import type { Static } from 'typebox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sharedDir } from '../helpers/runner.ts';
import { TestRepo } from '../helpers/git.ts';
import { param, shell, startEngineKiln, utcDayKey, type EngineKiln } from '../helpers/engine.ts';
import { expectError } from '../helpers/records.ts';
import { RECORD_INFO_STRING_FIELDS } from '../helpers/shapes.ts';
import type * as C from '../../src/contract/builds.ts';

/**
 * Every build operation's answer against the reference (Appendix A of codearts-build-api.md),
 * field for field and type for type, for a finished and for a running build; and the 404s.
 */

type Shape =
  | 'string'
  | 'integer'
  | 'boolean'
  | 'string|null'
  | 'object|null'
  | { [key: string]: Shape }
  | [Shape]
  | { map: Shape };

function check(value: unknown, shape: Shape, path: string, problems: string[]): void {
  if (typeof shape === 'string') {
    const ok =
      shape === 'string'
        ? typeof value === 'string'
        : shape === 'integer'
          ? Number.isInteger(value)
          : shape === 'boolean'
            ? typeof value === 'boolean'
            : shape === 'string|null'
              ? value === null || typeof value === 'string'
              : value === null || (typeof value === 'object' && !Array.isArray(value));
    if (!ok) problems.push(`${path}: expected ${shape}, got ${JSON.stringify(value)}`);
    return;
  }
  if (Array.isArray(shape)) {
    if (!Array.isArray(value))
      return void problems.push(`${path}: expected an array, got ${JSON.stringify(value)}`);
    value.forEach((v, i) => check(v, shape[0], `${path}[${i}]`, problems));
    return;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return void problems.push(`${path}: expected an object, got ${JSON.stringify(value)}`);
  }
  if ('map' in shape && Object.keys(shape).length === 1) {
    for (const [k, v] of Object.entries(value))
      check(v, (shape as { map: Shape }).map, `${path}.${k}`, problems);
    return;
  }
  const fields = shape as Record<string, Shape>;
  const got = Object.keys(value).sort();
  const want = Object.keys(fields).sort();
  const extra = got.filter((k) => !want.includes(k));
  const missing = want.filter((k) => !got.includes(k));
  if (extra.length) problems.push(`${path}: fields not in the reference: ${extra.join(', ')}`);
  if (missing.length) problems.push(`${path}: missing fields: ${missing.join(', ')}`);
  for (const k of want)
    if (k in value)
      check((value as Record<string, unknown>)[k], fields[k] as Shape, `${path}.${k}`, problems);
}

function expectShape(value: unknown, shape: Shape): void {
  const problems: string[] = [];
  check(value, shape, '$', problems);
  expect(problems).toEqual([]);
}

/** A 200 answer's body, typed as Kiln's contract says (the shape itself is checked separately). */
function ok<T = unknown>(res: LightMyRequestResponse): T {
  expect({ status: res.statusCode, body: res.body }).toMatchObject({ status: 200 });
  return res.json() as T;
}

type RunJobJson = Static<typeof C.RunJobResult>;
type StopJson = Static<typeof C.StopResult>;
type JobStatusJson = Static<typeof C.JobStatusResult>;
type RunningStatusJson = Static<typeof C.RunningStatusResult>;
type HistoryJson = Static<typeof C.HistoryResult>;
type PeriodHistoryJson = Static<typeof C.PeriodHistoryResult>;
type RealTimeLogJson = Static<typeof C.RealTimeLog>;

// Shapes copied from the reference's Appendix A.
const RUN_JOB: Shape = {
  octopus_job_name: 'string',
  actual_build_number: 'string',
  daily_build_number: 'string',
};
const STOP_BUILD_JOB: Shape = { success: 'boolean', result: 'string' };
const STOP_JOB: Shape = { result: 'boolean' };
const JOB_STATUS: Shape = { result: 'boolean' };
const RUNNING_STATUS: Shape = {
  result: {
    last_job_id: 'string',
    last_build_no: 'string',
    last_build_status: 'string',
    is_running: 'boolean',
  },
  error: 'string|null',
  status: 'string',
};
const HISTORY_RECORD = {
  record_id: 'string',
  job_id: 'string',
  build_number: 'integer',
  start_time: 'string',
  end_time: 'string',
  result: 'string',
} as const;
const HISTORY: Shape = { history_records: [HISTORY_RECORD], total: 'integer' };
const PERIOD_HISTORY: Shape = {
  total: 'integer',
  history_records: [
    {
      ...HISTORY_RECORD,
      branch: 'string',
      commit_id: 'string',
      commit_message: 'string',
      executor: 'string',
      trigger_type: 'string',
    },
  ],
};
const HISTORY_DETAILS: Shape = {
  job_name: 'string',
  build_number: 'integer',
  project_id: 'string',
  project_name: 'string',
  parameters: { map: 'string' },
  build_steps: [{ name: 'string', status: 'string', build_time: 'integer' }],
};
const RECORD_DETAIL: Shape = {
  status: 'string',
  error: 'object|null',
  result: {
    ...Object.fromEntries(RECORD_INFO_STRING_FIELDS.map((f) => [f, 'string' as const])),
    build_no: 'integer',
    duration: 'integer',
    use_private_slave: 'integer',
  },
};
const REAL_TIME_LOG: Shape = {
  result: { has_more_data: 'boolean', offset: 'integer', content: 'string', current_offset: 'integer' },
  error: 'string|null',
  status: 'string',
};

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const OFFSET_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}[+-]\d{2}:\d{2}$/;
const COMMIT_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}\+00:00$/;

let ek: EngineKiln;
let repo: TestRepo;
let head: string;
let job: string;
let scratch: string;
let gate: string;
const today = () => new Date(ek.kiln.clock.now()).toISOString().slice(0, 10);

beforeAll(async () => {
  ek = await startEngineKiln({ runner: { slots: 2 } });
  repo = new TestRepo();
  head = repo.commit('the commit message');
  scratch = sharedDir('shapes');
  gate = join(scratch, 'gate');
  job = await ek.newJob({
    job_name: 'shapes job',
    scms: [{ url: repo.url, scm_type: 'git', branch: 'main' }],
    parameters: [param('NAME', 'value'), param('TOKEN', 'hidden-token', true)],
    steps: [
      shell('first step', 'echo first-output'),
      // Build 1 passes straight through; later builds wait for the gate.
      shell(
        'second step',
        `echo second-started; if [ "$BUILD_NUMBER" != 1 ]; then while [ ! -f ${gate} ]; do sleep 0.02; done; fi; echo second-done`,
      ),
    ],
  });
});
afterAll(async () => {
  writeFileSync(gate, '');
  await ek?.close();
  rmSync(scratch, { recursive: true, force: true });
});

describe('a finished and a running build', () => {
  it('RunJob and ExecuteJob answer exactly {octopus_job_name, actual_build_number, daily_build_number}, all strings', async () => {
    const v3 = ok<RunJobJson>(await ek.post('/v3/jobs/build', { job_id: job }));
    expectShape(v3, RUN_JOB);
    expect(v3).toMatchObject({
      actual_build_number: '1',
      daily_build_number: `${utcDayKey(ek.kiln.clock.now())}.1`,
    });
    expect((await ek.waitFinished(job, 1)).state).toBe('SUCCESS');

    const v1 = ok<RunJobJson>(await ek.post('/v1/job/execute', { job_id: job }));
    expectShape(v1, RUN_JOB);
    expect(v1.actual_build_number).toBe('2');
    await ek.waitLog(job, 2, /^second-started$/m);
  });

  it('ShowJobStatus and ShowRunningStatus while build 2 runs', async () => {
    const status = ok<JobStatusJson>(await ek.get(`/v3/jobs/${job}/status`));
    expectShape(status, JOB_STATUS);
    expect(status).toEqual({ result: true });
    const running = ok<RunningStatusJson>(await ek.get(`/v1/job/${job}/running-status`));
    expectShape(running, RUNNING_STATUS);
    expect(running).toMatchObject({
      result: { last_job_id: job, last_build_no: '2', last_build_status: 'Running', is_running: true },
      status: 'success',
    });
  });

  it('ShowListHistory: newest first, offset/limit/interval, times with offsets, running build with empty end and result', async () => {
    const page = ok<HistoryJson>(await ek.get(`/v3/jobs/${job}/history?offset=0&limit=10&interval=7`));
    expectShape(page, HISTORY);
    expect(page.total).toBe(2);
    const [running, finished] = page.history_records;
    expect(running).toMatchObject({ job_id: job, build_number: 2, end_time: '', result: '' });
    expect(finished).toMatchObject({ job_id: job, build_number: 1, result: 'SUCCESS' });
    for (const r of page.history_records) expect(r.start_time).toMatch(OFFSET_TIME);
    expect(finished?.end_time).toMatch(OFFSET_TIME);
    expect(Date.parse(finished?.end_time ?? '') >= Date.parse(finished?.start_time ?? '')).toBe(true);

    const second = ok<HistoryJson>(await ek.get(`/v3/jobs/${job}/history?offset=1&limit=1&interval=7`));
    expectShape(second, HISTORY);
    expect(second.total).toBe(2);
    expect(second.history_records.map((r) => r.build_number)).toEqual([1]);
    const none = ok<HistoryJson>(await ek.get(`/v3/jobs/${job}/history?offset=0&limit=0&interval=0`));
    expectShape(none, HISTORY);
    expect(none.history_records).toEqual([]);

    expectError(await ek.get(`/v3/jobs/${job}/history?offset=0&limit=10&interval=31`), 400, 'CB.00060200');
    expectError(await ek.get(`/v3/jobs/${job}/history?offset=0&limit=101&interval=7`), 400, 'CB.00060200');
    expectError(await ek.get(`/v3/jobs/${job}/history?offset=-1&limit=10&interval=7`), 400, 'CB.00060200');
  });

  it('ShowListPeriodHistory: yyyy-MM-dd dates, the extra fields, at most 30 days', async () => {
    const day = today();
    const page = ok<PeriodHistoryJson>(
      await ek.get(`/v3/jobs/${job}/period-history?offset=0&limit=10&start_time=${day}&end_time=${day}`),
    );
    expectShape(page, PERIOD_HISTORY);
    expect(page.total).toBe(2);
    const [running, finished] = page.history_records;
    expect(finished).toMatchObject({
      build_number: 1,
      result: 'SUCCESS',
      branch: 'main',
      commit_id: head,
      commit_message: 'the commit message',
      executor: 'admin',
      trigger_type: 'Manual',
    });
    expect(running).toMatchObject({ build_number: 2, result: '', end_time: '' });

    const start = new Date(ek.kiln.clock.now() - 30 * 86_400_000).toISOString().slice(0, 10);
    expectShape(
      ok<PeriodHistoryJson>(
        await ek.get(`/v3/jobs/${job}/period-history?offset=0&limit=10&start_time=${start}&end_time=${day}`),
      ),
      PERIOD_HISTORY,
    );
    const tooEarly = new Date(ek.kiln.clock.now() - 31 * 86_400_000).toISOString().slice(0, 10);
    expectError(
      await ek.get(`/v3/jobs/${job}/period-history?offset=0&limit=10&start_time=${tooEarly}&end_time=${day}`),
      400,
      'CB.00060200',
      /30 days/,
    );
    expectError(
      await ek.get(
        `/v3/jobs/${job}/period-history?offset=0&limit=10&start_time=2024-01-01&end_time=2024-03-01`,
      ),
      400,
      'CB.00060200',
    );
    expectError(
      await ek.get(
        `/v3/jobs/${job}/period-history?offset=0&limit=10&start_time=2024/01/01&end_time=2024/01/02`,
      ),
      400,
      'CB.00060200',
    );
    expectError(
      await ek.get(
        `/v3/jobs/${job}/period-history?offset=0&limit=10&start_time=2024-01-05&end_time=2024-01-01`,
      ),
      400,
      'CB.00060200',
    );
  });

  it('ShowHistoryDetails for both builds: parameters as strings (sensitive masked), steps with status and ms', async () => {
    const done = ok<C.HistoryDetails>(await ek.get(`/v3/jobs/${job}/1/history-details`));
    expectShape(done, HISTORY_DETAILS);
    expect(done).toMatchObject({
      job_name: 'shapes job',
      build_number: 1,
      project_id: ek.projectId,
      project_name: 'default',
      parameters: { NAME: 'value', TOKEN: '******' },
    });
    expect(done.build_steps.map((s) => [s.name, s.status])).toEqual([
      ['first step', 'success'],
      ['second step', 'success'],
    ]);
    const running = ok<C.HistoryDetails>(await ek.get(`/v3/jobs/${job}/2/history-details`));
    expectShape(running, HISTORY_DETAILS);
    expect(running.build_number).toBe(2);
    expect(running.build_steps.map((s) => s.status)).toEqual(['success', 'running']);
  });

  it('ShowRecordDetail: id is the record id (UUID), build_no an integer, times in the record-info format', async () => {
    const done = ok<C.RecordDetail>(await ek.get(`/v4/jobs/${job}/1/record-info`));
    expectShape(done, RECORD_DETAIL);
    const r = done.result;
    expect(done.status).toBe('success');
    expect(r.id).toMatch(UUID);
    expect(r).toMatchObject({
      build_no: 1,
      codeci_job_id: job,
      status: 'SUCCESS',
      commit: head,
      branch: 'main',
      build_type: 'branch',
      trigger_type: 'MANUAL',
      commit_message: 'the commit message',
    });
    expect(r.daily_build_num).toMatch(/^\d{8}\.1$/);
    for (const f of ['create_time', 'start_time', 'finish_time', 'commit_create_time'] as const)
      expect(r[f]).toMatch(COMMIT_TIME);
    expect(r.duration).toBeGreaterThan(0);

    const running = ok<C.RecordDetail>(await ek.get(`/v4/jobs/${job}/2/record-info`));
    expectShape(running, RECORD_DETAIL);
    expect(running.result.id).toMatch(UUID);
    expect(running.result.id).not.toBe(r.id);
    expect(running.result).toMatchObject({ build_no: 2, finish_time: '' });
    expect(running.result.status).not.toBe('SUCCESS');
    expect(running.result.status.length).toBeGreaterThan(0);
  });

  it('DownloadRealTimeLog for both builds', async () => {
    const done = ok<RealTimeLogJson>(await ek.get(`/v3/jobs/${job}/1/real-time-log?offset=0`));
    expectShape(done, REAL_TIME_LOG);
    expect(done.status).toBe('success');
    expect(done.result).toMatchObject({ has_more_data: false, current_offset: 0 });
    expect(done.result.content).toContain('second-done');
    expect(done.result.offset).toBe(Buffer.byteLength(done.result.content));

    const running = ok<RealTimeLogJson>(
      await ek.get(`/v3/jobs/${job}/2/real-time-log?offset=0&length=1000000`),
    );
    expectShape(running, REAL_TIME_LOG);
    expect(running.result.has_more_data).toBe(true);
    expect(running.result.content).toContain('second-started');
    const tail = ok<RealTimeLogJson>(
      await ek.get(`/v3/jobs/${job}/2/real-time-log?offset=${running.result.offset}&length=10`),
    );
    expectShape(tail, REAL_TIME_LOG);
    expect(tail.result.current_offset).toBe(running.result.offset);
  });

  it('DownloadBuildLog and DownloadTaskLog by record id, for both builds (octet-stream)', async () => {
    for (const n of [1, 2]) {
      const id = ok<C.RecordDetail>(await ek.get(`/v4/jobs/${job}/${n}/record-info`)).result.id;
      const full = await ek.get(`/v4/${id}/download-log`);
      expect(full.statusCode).toBe(200);
      expect(full.headers['content-type']).toMatch(/^application\/octet-stream/);
      expect(full.body).toContain('first-output');
      expect(full.body).toContain('second-started');
      const task = await ek.get(`/v4/${id}/task-log?task_name=${encodeURIComponent('first step')}`);
      expect(task.statusCode).toBe(200);
      expect(task.headers['content-type']).toMatch(/^application\/octet-stream/);
      expect(task.body).toContain('first-output');
      expect(task.body).not.toContain('second-started');
    }
  });

  it('StopBuildJob and StopJob answer their own shapes; after the stop the status operations say so', async () => {
    const stop = ok<StopJson>(await ek.post(`/v3/jobs/${job}/2/stop`));
    expectShape(stop, STOP_BUILD_JOB);
    expect(stop).toEqual({ success: true, result: '' });
    expect((await ek.waitFinished(job, 2, 5_000)).state).toBe('ABORTED');

    ok(await ek.post('/v3/jobs/build', { job_id: job }));
    await ek.waitLog(job, 3, /^second-started$/m);
    const stopJob = ok<{ result: boolean }>(await ek.post('/v3/jobs/stop', { job_id: job, build_no: '3' }));
    expectShape(stopJob, STOP_JOB);
    expect(stopJob).toEqual({ result: true });
    expect((await ek.waitFinished(job, 3, 5_000)).state).toBe('ABORTED');

    const status = ok<JobStatusJson>(await ek.get(`/v3/jobs/${job}/status`));
    expectShape(status, JOB_STATUS);
    expect(status).toEqual({ result: false });
    const running = ok<RunningStatusJson>(await ek.get(`/v1/job/${job}/running-status`));
    expectShape(running, RUNNING_STATUS);
    expect(running.result).toEqual({
      last_job_id: job,
      last_build_no: '3',
      last_build_status: 'Finished',
      is_running: false,
    });
    const history = ok<HistoryJson>(await ek.get(`/v3/jobs/${job}/history?offset=0&limit=10&interval=7`));
    expect(history.history_records.map((r) => [r.build_number, r.result])).toEqual([
      [3, 'ABORTED'],
      [2, 'ABORTED'],
      [1, 'SUCCESS'],
    ]);
  });
});

describe('unknown builds and records', () => {
  it('404 for a build number the job does not have, on every by-number operation', async () => {
    const urls: [string, string][] = [
      ['GET', `/v3/jobs/${job}/999/history-details`],
      ['GET', `/v4/jobs/${job}/999/record-info`],
      ['GET', `/v3/jobs/${job}/999/real-time-log?offset=0`],
      ['POST', `/v3/jobs/${job}/999/stop`],
    ];
    for (const [method, url] of urls) {
      const res = await ek.kiln.call(ek.token, { method: method as 'GET' | 'POST', url });
      expectError(res, 404, 'CB.00060404');
    }
    expectError(await ek.post('/v3/jobs/stop', { job_id: job, build_no: '999' }), 404, 'CB.00060404');
  });

  it('404 for a record id that does not exist', async () => {
    const id = randomUUID();
    expectError(await ek.get(`/v4/${id}/download-log`), 404, 'CB.00060404');
    expectError(await ek.get(`/v4/${id}/task-log?task_name=first%20step`), 404, 'CB.00060404');
  });

  it('404 for a job that does not exist', async () => {
    const ghost = '0123456789abcdef0123456789abcdef';
    for (const url of [
      `/v3/jobs/${ghost}/status`,
      `/v1/job/${ghost}/running-status`,
      `/v3/jobs/${ghost}/1/history-details`,
    ]) {
      const res = await ek.get(url);
      expect(res.statusCode).toBe(404);
      expect(Object.keys(res.json()).sort()).toEqual(['error_code', 'error_msg']);
    }
    const run = await ek.post('/v3/jobs/build', { job_id: ghost });
    expect(run.statusCode).toBe(404);
  });
});
