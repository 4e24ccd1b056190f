import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestKiln, jobBody, type TestKiln } from '../../helpers/app.ts';
import {
  buildFixture,
  createJob,
  createUser,
  expectCodeArtsError,
  importRecords,
  recordLine,
  onEveryStore,
  setRole,
  tokenOf,
  type Credentials,
  type Fixture,
} from '../../helpers/foundation.ts';
import { expectShape } from '../../helpers/shapes.ts';

/**
 * Copies and checks: CopyJob (completed from the job it copies, secrets included only for those who
 * may change it), ShowCopyName, CheckJobNameIsExists, ShowDisable, and the v1 DisableTheJob and
 * StopTheJob.
 */

const DEV: Credentials = { name: 'dev', password: 'dev-password-1', domain: 'default' };
const VIEWER: Credentials = { name: 'viewer', password: 'viewer-password-1', domain: 'default' };
const SECRET_URL = 'https://deploy:s3cr3t-token@example.com/repo.git';

onEveryStore((store) => {
  describe('copies and checks', () => {
    let kiln: TestKiln;
    let fx: Fixture;
    let admin: string;
    let dev: string;
    let viewer: string;

    beforeAll(async () => {
      kiln = await createTestKiln({ store });
      fx = await buildFixture(kiln, 'copied');
      admin = fx.adminToken;
      await createUser(kiln, admin, DEV.name, DEV.password);
      await setRole(kiln, admin, fx.projectId, DEV.name, 'developer');
      await createUser(kiln, admin, VIEWER.name, VIEWER.password);
      await setRole(kiln, admin, fx.projectId, VIEWER.name, 'viewer');
      dev = await tokenOf(kiln, DEV);
      viewer = await tokenOf(kiln, VIEWER);
    });
    afterAll(() => kiln?.close());

    const call = (token: string, method: 'GET' | 'POST', url: string, payload?: object) =>
      kiln.call(token, { method, url, ...(payload && { payload }) });

    it('copies a job from the document a client read, masked secrets and timers included', async () => {
      const source = await createJob(kiln, admin, fx.projectId, {
        job_name: 'with-secrets',
        scms: [{ url: SECRET_URL, scm_type: 'git', branch: 'main' }],
        triggers: [{ name: 'timer', parameters: [{ name: 'cron', value: '0 3 * * *' }] }],
      });
      // What a viewer reads has the credentials masked: copying it must not be a way to get them.
      const read = (await call(viewer, 'GET', `/v3/jobs/${source}/query`)).json().result;
      expect(JSON.stringify(read)).not.toContain('s3cr3t-token');
      const refused = await call(viewer, 'POST', '/v1/job/copy', {
        ...read,
        job_name: 'stolen',
        copy_job_id: source,
      });
      expectCodeArtsError(refused, 403, 'CB.00060403');

      const name = (await call(dev, 'GET', `/v1/job/${source}/copy-name`)).json();
      expect(name).toEqual({ result: 'with-secrets-copy-1', error: null, status: 'success' });
      const { triggers: _omitted, ...body } = read;
      const res = await call(dev, 'POST', '/v1/job/copy', {
        ...body,
        job_name: name.result,
        copy_job_id: source,
      });
      expect(res.statusCode, res.body).toBe(200);
      expectShape(res.json(), { result: { job_id: 'string' }, error: 'null', status: 'string' });
      const copy = res.json().result.job_id as string;
      expect(copy).not.toBe(source);
      const doc = (await call(dev, 'GET', `/v3/jobs/${copy}/query`)).json().result;
      expect(doc.job_name).toBe('with-secrets-copy-1');
      expect(doc.scms[0].url).toBe(SECRET_URL);
      expect(doc.triggers).toEqual([{ name: 'timer', parameters: [{ name: 'cron', value: '0 3 * * *' }] }]);
      // The next suggestion skips the name now taken.
      expect((await call(dev, 'GET', `/v1/job/${source}/copy-name`)).json().result).toBe(
        'with-secrets-copy-2',
      );
      // The copy's history starts with its creation by the copier.
      const history = (await call(dev, 'GET', `/v1/job/${copy}/history`)).json().result;
      expect(history.job_update_records.map((r: { update_type: string }) => r.update_type)).toEqual([
        'CREATE',
      ]);
    });

    it('gives one of two concurrent copies with the same name the name, and the other a 409', async () => {
      const body = { ...jobBody(fx.projectId, { job_name: 'racing-copy' }), copy_job_id: fx.jobId };
      const results = await Promise.all([
        call(dev, 'POST', '/v1/job/copy', body),
        call(dev, 'POST', '/v1/job/copy', body),
      ]);
      expect(results.map((r) => r.statusCode).sort()).toEqual([200, 409]);
      const lost = results.find((r) => r.statusCode === 409)!;
      expectCodeArtsError(lost, 409, 'CB.00060409', 'a job named racing-copy already exists in this project');
    });

    it('gives one of a rename and a copy racing for a name the name, and the other a 409', async () => {
      const a = await createJob(kiln, admin, fx.projectId, { job_name: 'rename-a' });
      const b = await createJob(kiln, admin, fx.projectId, { job_name: 'rename-b' });
      const rename = (id: string) =>
        call(admin, 'POST', '/v3/jobs/update', {
          job_id: id,
          ...jobBody(fx.projectId, { job_name: 'contested' }),
        });
      const results = await Promise.all([
        rename(a),
        rename(b),
        call(admin, 'POST', '/v1/job/copy', {
          ...jobBody(fx.projectId, { job_name: 'contested' }),
          copy_job_id: fx.jobId,
        }),
      ]);
      expect(results.map((r) => r.statusCode).sort()).toEqual([200, 409, 409]);
      for (const lost of results.filter((r) => r.statusCode === 409))
        expectCodeArtsError(lost, 409, 'CB.00060409', 'a job named contested already exists in this project');
      const listed = await call(
        admin,
        'GET',
        `/v1/job/${fx.projectId}/list?page_index=0&page_size=10&search=contested`,
      );
      expect(listed.json().total).toBe(1);
    });

    it('says whether a live job of the project has a name', async () => {
      const exists = (name: string) =>
        call(
          viewer,
          'GET',
          `/v1/job/check/exist?project_id=${fx.projectId}&job_name=${encodeURIComponent(name)}`,
        );
      expect((await exists('copied')).json()).toEqual({ result: true, status: 'success' });
      expect((await exists('no-such-job')).json()).toEqual({ result: false, status: 'success' });
      // A job in the recycle bin frees its name.
      const binned = await createJob(kiln, admin, fx.projectId, { job_name: 'binned-name' });
      await call(admin, 'POST', `/v3/jobs/${binned}/delete`);
      expect((await exists('binned-name')).json().result).toBe(false);
      const missing = await call(viewer, 'GET', `/v1/job/check/exist?project_id=${fx.projectId}`);
      expectCodeArtsError(missing, 400, 'CB.00060200', /job_name/);
    });

    it("checks a notice webhook URL against its chat service's robot URLs (CheckWebhookUrl)", async () => {
      const check = (notice_type: string, webhook_url: string, token = dev) =>
        call(token, 'POST', '/v1/job/check/webhook-url', { job_id: fx.jobId, notice_type, webhook_url });
      for (const [type, url] of [
        ['DING_TALK', 'https://oapi.dingtalk.com/robot/send?access_token='],
        ['FEI_SHU', 'https://open.feishu.cn/open-apis/bot/v2/hook/0a1b'],
        ['WE_COM', 'https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k'],
        ['WE_LINK', 'https://open.welink.huaweicloud.com/api/werobot/v1/webhook/send?token=t'],
      ] as const) {
        const res = await check(type, url);
        expect(res.statusCode, res.body).toBe(200);
        expect(res.json()).toEqual({ error: null, status: 'success' });
      }
      const refused: [string, string, RegExp][] = [
        ['DING_TALK', 'http://oapi.dingtalk.com/robot/send', /must be an https URL/],
        ['DING_TALK', 'https://evil.example/robot/send', /on oapi\.dingtalk\.com, not evil\.example/],
        ['DING_TALK', 'https://oapi.dingtalk.com:8443/robot/send', /not oapi\.dingtalk\.com:8443/],
        ['DING_TALK', 'https://oapi.dingtalk.com/other', /path begins with \/robot\/send/],
        ['DING_TALK', 'https://u:p@oapi.dingtalk.com/robot/send', /user name or password/],
        ['DING_TALK', 'not a url', /not a URL/],
        ['SMOKE_SIGNAL', 'https://oapi.dingtalk.com/robot/send', /notice_type must be one of DING_TALK/],
      ];
      for (const [type, url, why] of refused)
        expectCodeArtsError(await check(type, url), 400, 'CB.00060200', why);
      // A viewer may not set the job's notices, so may not check for them either.
      expectCodeArtsError(
        await check('DING_TALK', 'https://oapi.dingtalk.com/robot/send', viewer),
        403,
        'CB.00060403',
      );
    });

    it('disables and enables through v1, and ShowDisable says by whom, why and since when', async () => {
      const jobId = await createJob(kiln, admin, fx.projectId, { job_name: 'switched' });
      const enabled = (await call(viewer, 'GET', `/v1/job/${jobId}/check/disable`)).json();
      expectShape(enabled, {
        result: {
          forbiddener: 'string',
          reson: 'string',
          disabled: 'integer',
          job_id: 'string',
          job_name: 'string',
          forbidden_time: 'number',
        },
        error: 'null',
        status: 'string',
      });
      expect(enabled.result).toMatchObject({ disabled: 0, forbiddener: '', forbidden_time: 0 });

      const off = await call(dev, 'POST', `/v1/job/${jobId}/disable`, { disabled: true, reason: 'flaky' });
      expect(off.json()).toEqual({ status: 'success' });
      const state = (await call(viewer, 'GET', `/v1/job/${jobId}/check/disable`)).json().result;
      expect(state).toEqual({
        forbiddener: 'dev',
        reson: 'flaky',
        disabled: 1,
        job_id: jobId,
        job_name: 'switched',
        forbidden_time: kiln.clock.now(),
      });
      const run = await call(dev, 'POST', '/v3/jobs/build', { job_id: jobId });
      expect(run.statusCode).toBe(400);
      expect((await call(dev, 'POST', `/v1/job/${jobId}/disable`, { disabled: false })).statusCode).toBe(200);
      expect((await call(viewer, 'GET', `/v1/job/${jobId}/check/disable`)).json().result.disabled).toBe(0);
      const bad = await call(dev, 'POST', `/v1/job/${jobId}/disable`, { reason: 'no flag' });
      expectCodeArtsError(bad, 400, 'CB.00060200', /disabled/);
    });

    it('shows one job as the lists do, with what the caller may do (ShowJobInfo)', async () => {
      const res = await call(viewer, 'GET', `/v1/job/${fx.jobId}/info`);
      expect(res.statusCode, res.body).toBe(200);
      const info = res.json().result;
      expectShape(res.json(), {
        result: {
          id: 'string',
          project_id: 'string',
          project_permission_switch: 'boolean',
          build_time: 'string',
          charge_time: 'string',
          create_time: 'integer',
          disabled: 'boolean',
          favorite: 'boolean',
          source_code: 'string',
          running_status: 'string',
          new_build: 'boolean',
          job_name: 'string',
          is_copy: 'boolean',
          is_delete: 'boolean',
          is_execute: 'boolean',
          is_forbidden: 'boolean',
          is_manager: 'boolean',
          is_modify: 'boolean',
          is_view: 'boolean',
          last_build_status: 'string',
          last_build_time: 'integer',
          health_score: 'integer',
        },
        error: 'null',
        status: 'string',
      });
      const list = (
        await call(viewer, 'GET', `/v1/job/${fx.projectId}/list?search=copied&page_size=100`)
      ).json();
      const item = list.jobs.find((j: { id: string }) => j.id === fx.jobId);
      expect(info).toMatchObject({
        id: fx.jobId,
        project_id: fx.projectId,
        job_name: 'copied',
        running_status: 'Finished',
        new_build: false,
        last_build_status: item.last_build_status,
        last_build_time: item.last_build_time,
        health_score: item.health_score,
        is_view: true,
        is_modify: false,
        is_manager: false,
      });
      const forAdmin = (await call(admin, 'GET', `/v1/job/${fx.jobId}/info`)).json().result;
      expect(forAdmin).toMatchObject({ is_modify: true, is_manager: true });
    });

    it('lists the parameters a build ran with, sensitive values masked (ListBuildParameter)', async () => {
      const param = (name: string, value: string, sensitive: boolean) => ({
        name: 'hudson.model.StringParameterDefinition',
        params: [
          { name: 'name', value: name },
          { name: 'defaultValue', value },
          { name: 'sensitiveVar', value: String(sensitive) },
        ],
      });
      const jobId = await createJob(kiln, admin, fx.projectId, {
        job_name: 'parameterised',
        parameters: [param('TARGET', 'release', false), param('TOKEN', 'hush-hush', true)],
      });
      const run = await call(dev, 'POST', '/v3/jobs/build', {
        job_id: jobId,
        parameter: [{ name: 'TARGET', value: 'debug' }],
      });
      const buildNo = Number(run.json().actual_build_number);
      const res = await call(viewer, 'GET', `/v1/job/${jobId}/${buildNo}/history-parameters`);
      expect(res.statusCode, res.body).toBe(200);
      const shown = res.json();
      expectShape(shown, { result: [{ name: 'string', value: 'string' }], error: 'null', status: 'string' });
      expect(shown.result).toEqual(
        expect.arrayContaining([
          { name: 'TARGET', value: 'debug' },
          { name: 'TOKEN', value: '******' },
        ]),
      );
      expect(res.body).not.toContain('hush-hush');
      const missing = await call(viewer, 'GET', `/v1/job/${jobId}/99/history-parameters`);
      expectCodeArtsError(missing, 404, 'CB.00060404', 'build 99 of this job not found');
    });

    it('finds the latest successful build of a repository among the jobs of a project', async () => {
      const repo = 'https://git.example.com/team/shared-lib.git';
      const older = await createJob(kiln, admin, fx.projectId, {
        job_name: 'lib-a',
        scms: [{ url: repo, scm_type: 'git', branch: 'main' }],
      });
      const newer = await createJob(kiln, admin, fx.projectId, {
        job_name: 'lib-b',
        scms: [
          {
            url: 'git@git.example.com:team/other.git',
            scm_type: 'git',
            branch: 'main',
            repo_name: 'shared-lib',
          },
        ],
      });
      const t0 = Date.UTC(2026, 5, 1, 8, 0, 0);
      const line = (n: number, start: number, state: string) =>
        recordLine(n, {
          start_time: start,
          build_time: 60_000,
          cost_time: 60_000,
          state,
          daily_build_number: `20260601.${n}`,
          commit_id: `c${n}${state}`,
        });
      await importRecords(kiln, admin, older, [line(1, t0, 'SUCCESS'), line(2, t0 + 3_600_000, 'FAILURE')]);
      await importRecords(kiln, admin, newer, [line(1, t0 + 1_800_000, 'SUCCESS')]);
      const res = await call(
        viewer,
        'GET',
        `/v3/jobs/${fx.projectId}/last-history?repository_name=shared-lib`,
      );
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json()).toEqual({
        record_id: '20260601.1',
        job_id: newer,
        job_name: 'lib-b',
        build_number: 1,
        start_time: '2026-06-01T08:30:00+00:00',
        end_time: '2026-06-01T08:31:00+00:00',
        result: 'SUCCESS',
        commit_id: 'c1SUCCESS',
      });
      const none = await call(
        viewer,
        'GET',
        `/v3/jobs/${fx.projectId}/last-history?repository_name=nothing-here`,
      );
      expectCodeArtsError(none, 404, 'CB.00060404', /repository nothing-here/);
    });

    it('stops the latest unfinished build through v1, or the one named', async () => {
      const jobId = await createJob(kiln, admin, fx.projectId, { job_name: 'stopped-v1' });
      const none = await call(dev, 'POST', `/v1/job/${jobId}/stop`);
      expectCodeArtsError(none, 404, 'CB.00060404', 'no build of this job is queued or running');
      // No runner in this server: the builds wait in the queue.
      for (let i = 0; i < 2; i++)
        expect((await call(dev, 'POST', '/v3/jobs/build', { job_id: jobId })).statusCode).toBe(200);
      expect((await call(dev, 'POST', `/v1/job/${jobId}/stop`)).json()).toEqual({ status: 'success' });
      const state = async (n: number) => (await kiln.storage.builds.findByNumber(jobId, n))?.state;
      expect([await state(1), await state(2)]).toEqual(['', 'ABORTED']);
      expect((await call(dev, 'POST', `/v1/job/${jobId}/stop?build_no=1`)).statusCode).toBe(200);
      expect(await state(1)).toBe('ABORTED');
      expectCodeArtsError(await call(viewer, 'POST', `/v1/job/${jobId}/stop?build_no=1`), 403, 'CB.00060403');
    });

    it('says "fail", and why, when the build named has already finished (StopBuildJob says success: false)', async () => {
      const jobId = await createJob(kiln, admin, fx.projectId, { job_name: 'stopped-twice' });
      expect((await call(dev, 'POST', '/v3/jobs/build', { job_id: jobId })).statusCode).toBe(200);
      const first = await call(dev, 'POST', `/v1/job/${jobId}/stop?build_no=1`);
      expect(first.json()).toEqual({ status: 'success' });
      const again = await call(dev, 'POST', `/v1/job/${jobId}/stop?build_no=1`);
      expect(again.statusCode).toBe(200);
      expect(again.json()).toEqual({ status: 'fail', error: 'build 1 already finished: ABORTED' });
      expect((await call(dev, 'POST', `/v3/jobs/${jobId}/1/stop`)).json()).toEqual({
        success: false,
        result: 'build 1 already finished: ABORTED',
      });
      expect(await kiln.storage.builds.findByNumber(jobId, 1)).toMatchObject({ state: 'ABORTED' });
      expectCodeArtsError(await call(dev, 'POST', `/v1/job/${jobId}/stop?build_no=2`), 404, 'CB.00060404');
    });
  });
});
