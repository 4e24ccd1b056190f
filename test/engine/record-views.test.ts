import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseBuildYaml } from '../../src/domain/build-yaml.ts';
import { TestRepo } from '../helpers/git.ts';
import { param, shell, startEngineKiln, type EngineKiln } from '../helpers/engine.ts';
import { createUser, onEveryStore, tokenOf } from '../helpers/foundation.ts';
import { expectError } from '../helpers/records.ts';
import { sharedDir } from '../helpers/runner.ts';
import { expectShape, RECORD_INFO_STRING_FIELDS, type Shape } from '../helpers/shapes.ts';

/**
 * The v1 record views and the job views of issue 14 against the reference (Appendix A), field for
 * field and type for type, for a graphical (ACTION) and a code-based (YAML) build run by the
 * in-process runner, on SQLite and PostgreSQL; and who may see them.
 */

// Shapes copied from the reference's Appendix A.
const STAGE: Shape = {
  id: 'string',
  status: 'string',
  status_code: 'integer',
  log_status: 'string',
  // Kiln's: where the stage's bytes are in the build log.
  log_start_offset: 'integer',
  log_end_offset: 'integer',
  create_time: 'string',
  schedule_time: 'string',
  queued_time: 'string',
  start_time: 'string',
  finish_time: 'string',
  duration: 'integer',
  build_duration: 'integer',
  pending_duration: 'integer',
  build_record_id: 'string',
  execution_id: 'string',
  execution_stage_name: 'string',
  display_name: 'string',
  node_id: 'integer',
  sequence: 'integer',
};
const STRING_RESULT: Shape = { status: 'string', error: 'null', result: 'string' };
const BUILD_RECORD: Shape = {
  status: 'string',
  error: 'null',
  result: {
    id: 'string',
    status: 'string',
    status_code: 'integer',
    create_time: 'string',
    schedule_time: 'string',
    queued_time: 'string',
    start_time: 'string',
    finish_time: 'string',
    duration: 'integer',
    build_duration: 'integer',
    pending_duration: 'integer',
    project_id: 'string',
    display_name: 'string',
    trigger_name: 'string',
    group_name: 'string',
    execution_id: 'string',
    parameters: [{ name: 'string', secret: 'boolean', value: 'string', type: 'string' }],
    repository: 'string',
    branch: 'string',
    revision: 'string',
    build_yml_path: 'string',
    build_yml_url: 'string',
    daily_build_number: 'string',
    build_record_type: {
      rerun: 'boolean',
      trigger_type: 'string',
      record_type: 'string',
      is_rerun: 'boolean',
    },
    trigger_type: 'string',
    scm_type: 'string',
    scm_web_url: 'string',
    user_id: 'string',
    build_no: 'string',
    daily_build_no: 'string',
    dev_cloud_build_type: 'string',
  },
};
const recordInfo = (duration: 'integer' | 'number'): Shape => ({
  ...Object.fromEntries(RECORD_INFO_STRING_FIELDS.map((f) => [f, 'string' as const])),
  build_no: 'integer',
  duration,
  use_private_slave: 'integer',
});
const RECORD_INFO_V1: Shape = { status: 'string', error: 'null', result: recordInfo('integer') };
const RECORD_INFO_V3: Shape = {
  success: 'boolean',
  message: 'string',
  err_code: 'string',
  result: recordInfo('number'),
};
const STEP_STATUS: Shape = {
  result: { status: 'string', abort_status: 'string', label: 'string' },
  error: 'null',
  status: 'string',
};
const STAGE_LOG: Shape = {
  result: {
    has_more: 'boolean',
    start_offset: 'string',
    end_offset: 'string',
    log: 'string',
    location: 'string',
  },
  error: 'null',
  status: 'string',
};
const PIPELINE_INFO: Shape = {
  result: {
    scms: [
      {
        branch: 'string',
        url: 'string',
        repo_id: 'string',
        web_url: 'string',
        scm_type: 'string',
        is_auto_build: 'boolean',
        enable_git_lfs: 'boolean',
        build_type: 'string',
        depth: 'string',
        end_point_id: 'string',
        source: 'string',
        group_name: 'string',
        repo_name: 'string',
      },
    ],
    parameters: [
      { region: 'string', language: 'string', name: 'string', params: [{ name: 'string', value: 'string' }] },
    ],
    job_name: 'string',
    job_name_massage: 'string',
    job_name_regex: 'string',
    source_code: 'string',
  },
  error: 'null',
  status: 'string',
};
const SYSTEM_PARAMETERS: Shape = {
  result: [{ id: 'integer', parameter_name: 'string', description: 'string' }],
  error: 'null',
  status: 'string',
};

const BUILD_YML = `version: 2.0
params:
  - name: GREETING
    value: yaml-hello
steps:
  BUILD:
    - sh:
        name: say one
        inputs:
          command: echo yaml-one-$GREETING
    - sh:
        name: say two
        inputs:
          command: echo yaml-two
`;
const WEB = 'https://git.example.com/team/app';

function ok<T = Record<string, unknown>>(res: LightMyRequestResponse): T {
  expect({ status: res.statusCode, body: res.body }).toMatchObject({ status: 200 });
  return res.json() as T;
}

interface Stages {
  result: { build_stages: Record<string, Record<string, unknown>> };
}
interface LogPage {
  result: { has_more: boolean; start_offset: string; end_offset: string; log: string };
}

onEveryStore((store) => {
  let ek: EngineKiln;
  let actionJob: string;
  let yamlJob: string;
  let actionRecord: string;
  let yamlRecord: string;
  let yamlCommit: string;

  beforeAll(async () => {
    ek = await startEngineKiln({ store, runner: { slots: 2 } });
    const plain = new TestRepo();
    plain.commit('plain');
    actionJob = await ek.newJob({
      job_name: 'action-views',
      scms: [{ url: plain.url, scm_type: 'git', branch: 'main', web_url: WEB }],
      parameters: [param('NAME', 'value'), param('TOKEN', 'hidden-token-value', true)],
      steps: [shell('first step', 'echo first-output'), shell('second step', 'echo second-output')],
    });
    const coded = new TestRepo();
    yamlCommit = coded.commit('with build.yml', { '.cloudbuild/build.yml': BUILD_YML });
    yamlJob = await ek.newJob({
      job_name: 'yaml-views',
      build_config_type: 'YAML',
      scms: [{ url: coded.url, scm_type: 'git', branch: 'main', web_url: `${WEB}/` }],
      parameters: [param('TOKEN', 'hidden-token-value', true)],
      steps: [],
    });
    // One after the other: two first fetches into the runner's mirrors at once failed once
    // ("destination path '.' already exists"), which is the mirror keeper's matter, not this suite's.
    for (const job of [actionJob, yamlJob]) {
      await ek.run(job);
      expect((await ek.waitFinished(job, 1)).state, await ek.log(job, 1)).toBe('SUCCESS');
    }
    actionRecord = (await ek.recordInfo(actionJob, 1)).id;
    yamlRecord = (await ek.recordInfo(yamlJob, 1)).id;
  }, 60_000);
  afterAll(() => ek?.close());

  it('ShowBuildRecordFullStages: initial, one stage per step, final; statuses, times and logs', async () => {
    for (const [record, names] of [
      [actionRecord, ['first step', 'second step']],
      [yamlRecord, ['say one', 'say two']],
    ] as const) {
      const body = ok<Stages>(await ek.get(`/v1/record/${record}/full-stages?cascade=false`));
      expectShape(body, { status: 'string', error: 'null', result: { build_stages: 'any' } });
      const stages = body.result.build_stages;
      expect(Object.keys(stages)).toEqual(['initial', 'stage1', 'stage2', 'final']);
      for (const s of Object.values(stages)) expectShape(s, STAGE);
      expect(Object.values(stages).map((s) => [s.sequence, s.display_name, s.status, s.status_code])).toEqual(
        [
          [0, 'Initialize', 'SUCCESS', 5],
          [1, names[0], 'SUCCESS', 5],
          [2, names[1], 'SUCCESS', 5],
          [3, 'Finalize', 'SUCCESS', 5],
        ],
      );
      expect(stages.stage1).toMatchObject({
        build_record_id: record,
        execution_stage_name: 'stage1',
        log_status: 'finished',
      });
      // Kiln's: each stage's bytes, one after the other from the log's start.
      const offsets = Object.values(stages).map((s) => [s.log_start_offset, s.log_end_offset]);
      expect(offsets[0]?.[0]).toBe(0);
      for (let i = 1; i < offsets.length; i++)
        expect(offsets[i]?.[0]).toBeGreaterThanOrEqual(Number(offsets[i - 1]?.[1]));
      for (const [start, end] of offsets) expect(Number(end)).toBeGreaterThan(Number(start));
      expect(String(stages.stage1?.start_time)).toMatch(
        /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}\+00:00$/,
      );
      expect(Date.parse(String(stages.stage2?.finish_time))).toBeGreaterThanOrEqual(
        Date.parse(String(stages.stage1?.start_time)),
      );
    }
    expectShape(ok(await ek.get(`/v1/record/${actionRecord}/full-stages?cascade=true`)), {
      status: 'string',
      error: 'null',
      result: { build_stages: 'any' },
    });
    expectError(await ek.get(`/v1/record/${actionRecord}/full-stages?cascade=yes`), 400, 'CB.00060200');
  });

  it('ShowBuildRecordBuildScript: the build.yml as stored, or the steps written as one; never a secret', async () => {
    const yaml = ok<{ result: string }>(await ek.get(`/v1/record/${yamlRecord}/build-script`));
    expectShape(yaml, STRING_RESULT);
    expect(yaml.result).toBe(BUILD_YML);

    const action = ok<{ result: string }>(await ek.get(`/v1/record/${actionRecord}/build-script`));
    expectShape(action, STRING_RESULT);
    expect(action.result).not.toContain('hidden-token-value');
    const parsed = parseBuildYaml(action.result, 'build-script');
    expect(parsed.actions.map((a) => [a.stage, a.keyword, a.name, a.inputs.command])).toEqual([
      ['BUILD', 'sh', 'first step', 'echo first-output'],
      ['BUILD', 'sh', 'second step', 'echo second-output'],
    ]);
    expect(action.result).toMatch(/^version: "?2\.0"?$/m);
  });

  it('ShowBuildRecord: build.yml path and web URL, parameters with secrets masked, record type', async () => {
    const yaml = ok<{ result: Record<string, unknown> }>(await ek.get(`/v1/record/${yamlRecord}/info`));
    expectShape(yaml, BUILD_RECORD);
    expect(yaml.result).toMatchObject({
      id: yamlRecord,
      status: 'SUCCESS',
      status_code: 5,
      build_no: '1',
      display_name: 'yaml-views',
      project_id: yamlJob,
      trigger_name: 'admin',
      trigger_type: 'MANUAL',
      revision: yamlCommit,
      branch: 'main',
      build_yml_path: '.cloudbuild/build.yml',
      build_yml_url: `${WEB}/blob/${yamlCommit}/.cloudbuild/build.yml`,
      build_record_type: { rerun: false, is_rerun: false, record_type: 'JOB', trigger_type: 'MANUAL' },
      dev_cloud_build_type: 'branch',
    });
    expect(yaml.result.parameters).toContainEqual({
      name: 'TOKEN',
      secret: true,
      value: '******',
      type: 'string',
    });
    expect(JSON.stringify(yaml)).not.toContain('hidden-token-value');
    const r = yaml.result as { duration: number; build_duration: number; pending_duration: number };
    expect(r.duration).toBe(r.build_duration + r.pending_duration);

    const action = ok<{ result: Record<string, unknown> }>(await ek.get(`/v1/record/${actionRecord}/info`));
    expectShape(action, BUILD_RECORD);
    expect(action.result).toMatchObject({ build_yml_path: '', build_yml_url: '', scm_web_url: WEB });
    expect(action.result.parameters).toContainEqual({
      name: 'NAME',
      secret: false,
      value: 'value',
      type: 'string',
    });
    expect(String(action.result.repository)).toMatch(/^file:\/\//);
  });

  it('record-info v1, v3 and v4: their envelopes, duration int32 or float, build_config_type', async () => {
    for (const [job, type] of [
      [actionJob, 'ACTION'],
      [yamlJob, 'YAML'],
    ] as const) {
      const v1 = ok<{ result: Record<string, unknown> }>(await ek.get(`/v1/record/${job}/1/record-info`));
      expectShape(v1, RECORD_INFO_V1);
      expect(v1.result).toMatchObject({
        build_config_type: type,
        build_no: 1,
        status: 'SUCCESS',
        codeci_job_id: job,
      });
      const v4 = ok<{ result: Record<string, unknown> }>(await ek.get(`/v4/jobs/${job}/1/record-info`));
      expect(v4.result.build_config_type).toBe(type);
      expect(v4).toEqual(v1);
      const v3 = ok<{ result: Record<string, unknown> }>(await ek.get(`/v3/jobs/${job}/1/record-info`));
      expectShape(v3, RECORD_INFO_V3);
      expect(v3).toMatchObject({ success: true, message: '', err_code: '' });
      expect(v3.result).toEqual(v1.result);
    }
    expectError(await ek.get(`/v1/record/${actionJob}/9/record-info`), 404, 'CB.00060404');
    expectError(await ek.get(`/v3/jobs/${actionJob}/9/record-info`), 404, 'CB.00060404');
  });

  it('ShowJobStepStatus: the latest build by default, or the one asked for', async () => {
    const latest = ok(await ek.get(`/v1/job/${yamlJob}/status`));
    expectShape(latest, STEP_STATUS);
    expect(latest).toMatchObject({ result: { status: 'SUCCESS', abort_status: '', label: 'say two' } });
    const one = ok(await ek.get(`/v1/job/${actionJob}/status?build_no=1`));
    expectShape(one, STEP_STATUS);
    expect(one).toMatchObject({ result: { status: 'SUCCESS', abort_status: '', label: 'second step' } });
    expectError(await ek.get(`/v1/job/${actionJob}/status?build_no=7`), 404, 'CB.00060404');
    expectError(await ek.get(`/v1/job/${actionJob}/status?build_no=0`), 400, 'CB.00060200');
  });

  it('ShowActionIInfo: the whole log or one stage, paged by byte offsets, forwards and backwards', async () => {
    const url = (q: string) => `/v1/log/stage/page?job_id=${yamlJob}&build_no=1&${q}`;
    const whole = ok<LogPage>(await ek.get(url('start_offset=0&end_offset=0')));
    expectShape(whole, STAGE_LOG);
    expect(whole.result).toMatchObject({ has_more: false, start_offset: '0' });
    expect(whole.result.log).toContain('yaml-one-yaml-hello');
    expect(whole.result.log).toContain('yaml-two');
    expect(Number(whole.result.end_offset)).toBe(Buffer.byteLength(whole.result.log));

    const stage1 = ok<LogPage>(await ek.get(url('start_offset=0&end_offset=0&stage=stage1')));
    expectShape(stage1, STAGE_LOG);
    expect(stage1.result.log).toContain('yaml-one-yaml-hello');
    expect(stage1.result.log).not.toContain('yaml-two');
    expect(stage1.result.has_more).toBe(false);
    const size = Number(stage1.result.end_offset);

    // Forwards in pages of 5 bytes: together they are the stage's log.
    let text = '';
    let at = 0;
    for (let more = true; more;) {
      const page = ok<LogPage>(await ek.get(url(`start_offset=${at}&end_offset=${at + 5}&stage=stage1`)));
      expect(Number(page.result.start_offset)).toBe(at);
      text += page.result.log;
      at = Number(page.result.end_offset);
      more = page.result.has_more;
    }
    expect(text).toBe(stage1.result.log);
    expect(at).toBe(size);

    // Backwards: the last bytes first, then the ones before them.
    const last = ok<LogPage>(
      await ek.get(url(`start_offset=${size - 4}&end_offset=0&sort=DESC&stage=stage1`)),
    );
    expect(last.result).toMatchObject({
      has_more: false,
      start_offset: String(size - 4),
      end_offset: String(size),
    });
    expect(last.result.log).toBe(stage1.result.log.slice(-4));

    const stage2 = ok<LogPage>(await ek.get(url('start_offset=0&end_offset=0&stage=stage2&sort=ASC')));
    expect(stage2.result.log).toContain('yaml-two');
    expect(stage2.result.log).not.toContain('yaml-one');
    const initial = ok<LogPage>(await ek.get(url('start_offset=0&end_offset=0&stage=initial')));
    expect(initial.result.log).not.toContain('yaml-one');

    expectError(await ek.get(url('start_offset=0&end_offset=0&stage=stage9')), 404, 'CB.00060404');
    expectError(await ek.get(url('start_offset=-1&end_offset=0')), 400, 'CB.00060200');
    expectError(await ek.get(url('start_offset=0&end_offset=0&sort=UP')), 400, 'CB.00060200');
    // A range that ends where it starts, or before: refused, not read as "to the end".
    for (const q of ['start_offset=100&end_offset=50', 'start_offset=8&end_offset=8&sort=DESC']) {
      const refused = await ek.get(url(q));
      expectError(refused, 400, 'CB.00060200');
      expect(refused.json().error_msg).toMatch(/^end_offset \(\d+\) must be past start_offset \(\d+\)/);
    }
    expectError(
      await ek.get(`/v1/log/stage/page?job_id=NOTAJOB&build_no=1&start_offset=0&end_offset=0`),
      400,
      'CB.00060201',
    );
  });

  it("DownloadTaskLog: a code-based build's stage by its step name", async () => {
    const res = await ek.get(`/v4/${yamlRecord}/task-log?task_name=${encodeURIComponent('say two')}`);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/octet-stream/);
    expect(res.body).toContain('yaml-two');
    expect(res.body).not.toContain('yaml-one');
  });

  it('ShowJobPipelineInfo: repositories and parameters, secrets masked', async () => {
    const body = ok<{ result: Record<string, unknown> }>(
      await ek.get(`/v1/job/${actionJob}/pipeline-info?all=true`),
    );
    expectShape(body, PIPELINE_INFO);
    expect(body.result).toMatchObject({ job_name: 'action-views', source_code: 'kiln' });
    expect(body.result.scms).toEqual([
      expect.objectContaining({ branch: 'main', web_url: WEB, scm_type: 'git', build_type: 'branch' }),
    ]);
    expect(JSON.stringify(body)).not.toContain('hidden-token-value');
    expect(JSON.stringify(body)).toContain('******');
  });

  it("ShowYamlTemplate: a graphical job's steps as a build.yml; a code-based job gets a shell file", async () => {
    const action = ok<{ result: string }>(await ek.get(`/v1/template/${actionJob}/default-template`));
    expectShape(action, STRING_RESULT);
    const steps = parseBuildYaml(action.result, 'template').actions.map((a) => [a.keyword, a.inputs.command]);
    expect(steps).toEqual([
      ['sh', 'echo first-output'],
      ['sh', 'echo second-output'],
    ]);
    const yaml = ok<{ result: string }>(
      await ek.get(`/v1/template/${yamlJob}/default-template?default_host=x`),
    );
    expectShape(yaml, STRING_RESULT);
    expect(parseBuildYaml(yaml.result, 'template').actions.map((a) => a.keyword)).toEqual(['sh']);
  });

  it('ShowJobSystemParameters: the predefined parameters', async () => {
    const body = ok<{ result: { parameter_name: string }[] }>(await ek.get('/v1/job/system-parameters'));
    expectShape(body, SYSTEM_PARAMETERS);
    expect(body.result.map((p) => p.parameter_name)).toContain('BUILDNUMBER');
  });

  it('a running build: its stages so far, its status and current step, a log page with more to come; then stopped', async () => {
    const scratch = sharedDir('record-views');
    const gate = join(scratch, 'gate');
    try {
      const job = await ek.newJob({
        job_name: 'running-views',
        steps: [
          shell('quick', 'echo quick-done'),
          shell('waiting', `echo waiting-started; while [ ! -f ${gate} ]; do sleep 0.02; done`),
          shell('never', 'echo never'),
        ],
        scms: [],
      });
      await ek.run(job);
      await ek.waitLog(job, 1, /^waiting-started$/m);
      const record = (await ek.recordInfo(job, 1)).id;

      const stages = ok<Stages>(await ek.get(`/v1/record/${record}/full-stages`)).result.build_stages;
      for (const s of Object.values(stages)) expectShape(s, STAGE);
      expect(Object.values(stages).map((s) => [s.status, s.status_code, s.log_status])).toEqual([
        ['SUCCESS', 5, expect.any(String)],
        ['SUCCESS', 5, 'finished'],
        ['RUNNING', 2, 'running'],
        ['INIT', 0, 'none'],
        ['INIT', 0, 'none'],
      ]);
      expect(stages.stage2?.finish_time).toBe('');
      expect(stages.final?.start_time).toBe('');

      const status = ok(await ek.get(`/v1/job/${job}/status`));
      expectShape(status, STEP_STATUS);
      expect(status).toMatchObject({ result: { status: 'RUNNING', abort_status: '', label: 'waiting' } });
      const page = ok<LogPage>(
        await ek.get(`/v1/log/stage/page?job_id=${job}&build_no=1&start_offset=0&end_offset=0&stage=stage2`),
      );
      expectShape(page, STAGE_LOG);
      expect(page.result.has_more).toBe(true);
      expect(page.result.log).toContain('waiting-started');
      const info = ok<{ result: { status: string; status_code: number; finish_time: string } }>(
        await ek.get(`/v1/record/${record}/info`),
      );
      expect(info.result).toMatchObject({ status: 'RUNNING', status_code: 2, finish_time: '' });

      expect(ok(await ek.post(`/v3/jobs/${job}/1/stop`))).toMatchObject({ success: true });
      expect((await ek.waitFinished(job, 1, 10_000)).state).toBe('ABORTED');
      const stopped = ok(await ek.get(`/v1/job/${job}/status?build_no=1`));
      expect(stopped).toMatchObject({
        result: { status: 'ABORTED', abort_status: 'ABORTED', label: 'waiting' },
      });
      const after = ok<Stages>(await ek.get(`/v1/record/${record}/full-stages`)).result.build_stages;
      expect(Object.values(after).map((s) => [s.display_name, s.status, s.status_code])).toEqual([
        ['Initialize', 'SUCCESS', 5],
        ['quick', 'SUCCESS', 5],
        ['waiting', 'ABORTED', 8],
        ['never', 'SKIPPED', 9],
        ['Finalize', 'SUCCESS', 5],
      ]);
    } finally {
      writeFileSync(gate, '');
      rmSync(scratch, { recursive: true, force: true });
    }
  });

  describe('access', () => {
    it('a user of the domain who is no member of the project sees none of it: 404 like the other record operations', async () => {
      await createUser(ek.kiln, ek.token, 'outsider', 'outsider-password-1');
      const token = await tokenOf(ek.kiln, {
        name: 'outsider',
        password: 'outsider-password-1',
        domain: 'default',
      });
      const call = (url: string) => ek.kiln.call(token, { method: 'GET', url });
      for (const url of [
        `/v1/record/${yamlRecord}/full-stages`,
        `/v1/record/${yamlRecord}/build-script`,
        `/v1/record/${yamlRecord}/info`,
        `/v4/${yamlRecord}/task-log?task_name=say%20one`,
      ])
        expectError(await call(url), 404, 'CB.00060404');
      for (const url of [
        `/v1/record/${yamlJob}/1/record-info`,
        `/v3/jobs/${yamlJob}/1/record-info`,
        `/v1/job/${yamlJob}/status`,
        `/v1/log/stage/page?job_id=${yamlJob}&build_no=1&start_offset=0&end_offset=0`,
        `/v1/job/${yamlJob}/pipeline-info`,
        `/v1/template/${yamlJob}/default-template`,
      ])
        expectError(await call(url), 404, 'CB.00060201');
      expect((await call('/v1/job/system-parameters')).statusCode).toBe(200);
    });
  });
});
