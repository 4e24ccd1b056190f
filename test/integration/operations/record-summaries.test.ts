import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestKiln } from '../../helpers/app.ts';
import { createTestKiln, TestClock } from '../../helpers/app.ts';
import {
  ADMIN,
  createJob,
  createProject,
  createUser,
  expectCodeArtsError,
  importRecords,
  onEveryStore,
  recordLine,
  setRole,
  tokenOf,
} from '../../helpers/foundation.ts';

/**
 * The record summaries (reference A.3, A.4): ShowJobTotal (builds between two dates), ListBriefRecord
 * (the latest builds of several jobs) and ShowBuildDetails (running, or how it ended), with their
 * fields and types, on history imported with known times (the server's zone is UTC here).
 */

const DAY = 86_400_000;
const NOV_10 = Date.UTC(2023, 10, 10, 12, 0, 0);
const BRIEF_FIELDS = [
  'branch',
  'build_duration',
  'build_no',
  'create_time',
  'daily_build_number',
  'duration',
  'finish_time',
  'id',
  'pending_duration',
  'project_id',
  'queued_time',
  'revision',
  'schedule_time',
  'start_time',
  'status',
  'trigger_name',
];

onEveryStore((store) => {
  describe('record summaries', () => {
    let kiln: TestKiln;
    let admin: string;
    let project: string;
    let job: string;
    let other: string;

    beforeAll(async () => {
      // Now is 2023-11-16 12:00 UTC: the imported history is of the last days.
      kiln = await createTestKiln({ store, clock: new TestClock(Date.UTC(2023, 10, 16, 12, 0, 0)) });
      admin = await tokenOf(kiln, ADMIN);
      project = await kiln.defaultProjectId();
      job = await createJob(kiln, admin, project, { job_name: 'summarised' });
      other = await createJob(kiln, admin, project, { job_name: 'other-summarised' });
      // Builds 1..5, one a day from 2023-11-10; build 4 failed.
      await importRecords(
        kiln,
        admin,
        job,
        [1, 2, 3, 4, 5].map((n) =>
          recordLine(n, {
            start_time: NOV_10 + (n - 1) * DAY,
            state: n === 4 ? 'FAILURE' : 'SUCCESS',
            daily_build_number: `2023111${n - 1}.1`,
            commit_id: `c${n}`,
          }),
        ),
      );
      await importRecords(kiln, admin, other, [recordLine(1, { start_time: NOV_10 })]);
    });
    afterAll(() => kiln?.close());

    const total = async (query: string) => {
      const res = await kiln.call(admin, { method: 'GET', url: `/v1/record/${job}/statistics${query}` });
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json()).toMatchObject({ status: 'success', error: null });
      return res.json().result.total as number;
    };

    it('ShowJobTotal counts the builds started between two dates, both days whole', async () => {
      expect(await total('')).toBe(5);
      expect(await total('?from_date=2023-11-11&to_date=2023-11-13')).toBe(3);
      expect(await total('?from_date=2023-11-14')).toBe(1);
      expect(await total('?to_date=2023-11-10')).toBe(1);
      expect(await total('?from_date=2023-11-11%2012%3A00%3A01')).toBe(3);
      const bad = await kiln.call(admin, {
        method: 'GET',
        url: `/v1/record/${job}/statistics?from_date=soon`,
      });
      expectCodeArtsError(bad, 400, 'CB.00060200', /from_date "soon" is not a date/);
      const reversed = await kiln.call(admin, {
        method: 'GET',
        url: `/v1/record/${job}/statistics?from_date=2023-11-12&to_date=2023-11-11`,
      });
      expectCodeArtsError(reversed, 400, 'CB.00060200', /to_date must not be before from_date/);
    });

    it('ListBriefRecord gives the latest builds of each job, newest first, with the reference fields', async () => {
      const res = await kiln.call(admin, {
        method: 'POST',
        url: '/v1/record/brief?limit=2',
        payload: [job, other],
      });
      expect(res.statusCode, res.body).toBe(200);
      const body = res.json();
      expect(Object.keys(body).sort()).toEqual(['error', 'result', 'status']);
      const [mine, theirs] = body.result as {
        project_id: string;
        brief_build_record_dtos: Record<string, unknown>[];
      }[];
      expect(mine!.project_id).toBe(job);
      expect(mine!.brief_build_record_dtos.map((r) => r.build_no)).toEqual([5, 4]);
      const latest = mine!.brief_build_record_dtos[0]!;
      expect(Object.keys(latest).sort()).toEqual(BRIEF_FIELDS);
      expect(latest).toMatchObject({
        status: 'SUCCESS',
        project_id: job,
        revision: 'c5',
        branch: 'main',
        trigger_name: 'admin',
        daily_build_number: '20231114.1',
        build_duration: expect.any(Number),
        duration: expect.any(Number),
        pending_duration: expect.any(Number),
      });
      expect(mine!.brief_build_record_dtos[1]!.status).toBe('FAILURE');
      expect(latest.create_time).toBe(new Date(NOV_10 + 4 * DAY).toISOString().replace('Z', '+00:00'));
      expect(theirs!.brief_build_record_dtos.map((r) => r.build_no)).toEqual([1]);

      const none = await kiln.call(admin, {
        method: 'POST',
        url: '/v1/record/brief?limit=0',
        payload: [job],
      });
      expect(none.json().result).toEqual([{ project_id: job, brief_build_record_dtos: [] }]);
      expectCodeArtsError(
        await kiln.call(admin, {
          method: 'POST',
          url: '/v1/record/brief?limit=2',
          payload: [job, 'f'.repeat(32)],
        }),
        404,
        'CB.00060201',
      );
      expectCodeArtsError(
        await kiln.call(admin, { method: 'POST', url: '/v1/record/brief?limit=2', payload: [] }),
        400,
        'CB.00060200',
      );
    });

    it('ListRecords pages a job’s records between two dates, narrowed by triggers, branches and tags', async () => {
      const tagged = await createJob(kiln, admin, project, { job_name: 'listed' });
      // 1..6 a day apart: 1-3 Manual on main, 4 Scheduled on main, 5 a tag v1.0, 6 CodeUpdate on dev.
      const kinds: Record<number, Record<string, unknown>> = {
        4: { trigger_type: 'Scheduled' },
        5: { build_type: 'tag', code_branch: 'v1.0' },
        6: { trigger_type: 'CodeUpdate', code_branch: 'dev' },
      };
      await importRecords(
        kiln,
        admin,
        tagged,
        [1, 2, 3, 4, 5, 6].map((n) => recordLine(n, { start_time: NOV_10 + (n - 1) * DAY, ...kinds[n] })),
      );
      const list = async (query: string) => {
        const res = await kiln.call(admin, { method: 'GET', url: `/v1/record/${tagged}/records?${query}` });
        expect(res.statusCode, res.body).toBe(200);
        const { result } = res.json();
        return {
          numbers: (result.data as { build_no: string }[]).map((r) => Number(r.build_no)),
          pagination: result.pagination,
          first: result.data[0] as Record<string, unknown> | undefined,
        };
      };
      const all = await list('');
      expect(all.numbers).toEqual([6, 5, 4, 3, 2, 1]);
      expect(all.pagination).toEqual({ page: 0, limit: 10, total: 6 });
      // Each row is ShowBuildRecord's result.
      const shown = await kiln.call(admin, {
        method: 'GET',
        url: `/v1/record/${String(all.first!.id)}/info`,
      });
      expect(all.first).toEqual(shown.json().result);

      expect(await list('page=1&limit=4')).toMatchObject({
        numbers: [2, 1],
        pagination: { page: 1, limit: 4, total: 6 },
      });
      expect((await list('from_date=2023-11-11&to_date=2023-11-13')).numbers).toEqual([4, 3, 2]);
      expect((await list('triggers=SCHEDULED,code_update')).numbers).toEqual([6, 4]);
      expect((await list('branches=main')).numbers).toEqual([4, 3, 2, 1]);
      expect((await list('tags=v1.0')).numbers).toEqual([5]);
      expect((await list('branches=dev&tags=v1.0')).numbers).toEqual([6, 5]);
      // The Node SDK puts these lists on the wire as repeated keys; either form, or both, is one list.
      expect((await list('triggers=SCHEDULED&triggers=code_update')).numbers).toEqual([6, 4]);
      expect((await list('triggers=MANUAL&triggers=SCHEDULED,CODE_UPDATE')).numbers).toEqual([
        6, 5, 4, 3, 2, 1,
      ]);
      expect((await list('branches=dev&branches=main&branches=')).numbers).toEqual([6, 4, 3, 2, 1]);
      expect((await list('tags=v1.0&tags=v2.0')).numbers).toEqual([5]);
      expect((await list('branches=dev&tags=v0.9&tags=v1.0')).numbers).toEqual([6, 5]);
      // Any other parameter given twice is still refused.
      for (const twice of ['limit=2&limit=2', 'page=0&page=1', 'from_date=2023-11-11&from_date=2023-11-11']) {
        expectCodeArtsError(
          await kiln.call(admin, { method: 'GET', url: `/v1/record/${tagged}/records?${twice}` }),
          400,
          'CB.00060200',
          new RegExp(`'${twice.split('=')[0]}' is given more than once`),
        );
      }
      expect(await list('triggers=MANUAL&branches=main&limit=2')).toMatchObject({
        numbers: [3, 2],
        pagination: { total: 3 },
      });
      expect((await list('triggers=MANUAL&from_date=2023-11-12')).numbers).toEqual([5, 3]);
      expect((await list('page=5')).numbers).toEqual([]);
      const bad = await kiln.call(admin, {
        method: 'GET',
        url: `/v1/record/${tagged}/records?triggers=CRON`,
      });
      expectCodeArtsError(
        bad,
        400,
        'CB.00060200',
        /triggers: "CRON" is none of MANUAL, SCHEDULED, CODE_UPDATE/,
      );
      const branches = await kiln.call(admin, {
        method: 'GET',
        url: `/v1/report/branches?job_id=${tagged}&repository_name=repo`,
      });
      expect(branches.json().result).toEqual(['dev', 'main']);
      // An empty repository_name is refused like a missing one (as ShowJobBuildSuccessRatio's),
      // on a job that builds no repository too.
      const bare = await createJob(kiln, admin, project, { job_name: 'no-repository', scms: [] });
      for (const job of [tagged, bare]) {
        for (const [query, message] of [
          ['&repository_name=', "query parameter 'repository_name' must not be empty"],
          ['', "query parameter 'repository_name' is required"],
        ]) {
          expectCodeArtsError(
            await kiln.call(admin, { method: 'GET', url: `/v1/report/branches?job_id=${job}${query}` }),
            400,
            'CB.00060200',
            message,
          );
        }
      }
      expectCodeArtsError(
        await kiln.call(admin, { method: 'GET', url: `/v1/record/${tagged}/records?limit=0` }),
        400,
        'CB.00060200',
      );
    });

    it('reports success ratio and build times over the last days, the repository and its branches', async () => {
      const get = async (url: string) => {
        const res = await kiln.call(admin, { method: 'GET', url });
        expect(res.statusCode, res.body).toBe(200);
        return res.json();
      };
      const ratio = await get(`/v1/report/ratio?job_id=${job}&repository_name=repo&interval=7`);
      expect(ratio).toEqual({
        result: {
          job_id: job,
          branch: '',
          total_success_count: 4,
          total_count: 5,
          total_success_ratio_fraction: '4/5',
          every_day_report: [
            { date: '2023-11-10', success_ratio: 100 },
            { date: '2023-11-11', success_ratio: 100 },
            { date: '2023-11-12', success_ratio: 100 },
            { date: '2023-11-13', success_ratio: 0 },
            { date: '2023-11-14', success_ratio: 100 },
            { date: '2023-11-15', success_ratio: 0 },
            { date: '2023-11-16', success_ratio: 0 },
          ],
        },
        status: 'success',
      });
      const recent = await get(`/v1/report/ratio?job_id=${job}&repository_name=repo&interval=2`);
      expect(recent.result).toMatchObject({ total_count: 0, total_success_ratio_fraction: '0/0' });
      expect(recent.result.every_day_report).toHaveLength(2);
      const onMain = await get(`/v1/report/ratio?job_id=${job}&repository_name=repo&interval=7&branch=main`);
      expect(onMain.result).toMatchObject({ branch: 'main', total_count: 5 });
      const onDev = await get(`/v1/report/ratio?job_id=${job}&repository_name=repo&interval=7&branch=dev`);
      expect(onDev.result.total_count).toBe(0);

      const times = await get(`/v1/report/time?job_id=${job}&repository_name=repo&interval=7`);
      expect(times.result).toMatchObject({
        job_id: job,
        avg_build_time: 1000,
        max_build_time: 1000,
        min_build_time: 1000,
      });
      expect(times.result.chart).toEqual(
        [1, 2, 3, 4, 5].map((n) => ({
          daily_build_number: `2023111${n - 1}.1`,
          build_number: n,
          build_time: 1,
          build_result: n === 4 ? 'FAILURE' : 'SUCCESS',
        })),
      );

      expect(await get(`/v1/report/${job}/repositories`)).toEqual({
        status: 'success',
        error: null,
        result: { latest: 'repo', repositories: ['repo'] },
      });
      expect(await get(`/v1/report/branches?job_id=${job}&repository_name=repo`)).toEqual({
        status: 'success',
        result: ['main'],
      });
      expectCodeArtsError(
        await kiln.call(admin, {
          method: 'GET',
          url: `/v1/report/ratio?job_id=${job}&repository_name=other&interval=7`,
        }),
        404,
        'CB.00060404',
        'the job builds repository repo, not other',
      );
      expectCodeArtsError(
        await kiln.call(admin, {
          method: 'GET',
          url: `/v1/report/time?job_id=${job}&repository_name=repo&interval=31`,
        }),
        400,
        'CB.00060200',
      );
    });

    it("Kiln's insights: per week, delivery measures and build times; flaky commits", async () => {
      const res = await kiln.call(admin, { method: 'GET', url: `/v1/kiln/jobs/${job}/insights?days=7` });
      expect(res.statusCode, res.body).toBe(200);
      const { result } = res.json();
      expect(result).toMatchObject({
        job_id: job,
        from: '2023-11-10 00:00:00',
        to: '2023-11-17 00:00:00',
        default_branch: 'main',
        builds_read: 5,
        complete: true,
        flaky: [],
      });
      expect(result.weeks.map((w: { week: string }) => w.week)).toEqual(['2023-11-06', '2023-11-13']);
      expect(result.weeks[0]).toMatchObject({
        builds: 3,
        default_branch_builds: 3,
        default_branch_failures: 0,
      });
      // Build 4 failed on Nov 13 and build 5 passed a day later.
      expect(result.weeks[1]).toMatchObject({
        builds: 2,
        default_branch_failures: 1,
        change_failure_rate: 0.5,
        time_to_restore_ms: 86_400_000,
        duration_p50_ms: 1000,
      });
      const bad = await kiln.call(admin, { method: 'GET', url: `/v1/kiln/jobs/${job}/insights?days=400` });
      expectCodeArtsError(bad, 400, 'CB.00060200');
    });

    it("Kiln's insights of a project: its jobs together, each job's commits and red spells its own", async () => {
      const team = await createProject(kiln, admin, 'insights-team');
      const a = await createJob(kiln, admin, team, { job_name: 'team-a' });
      const b = await createJob(kiln, admin, team, { job_name: 'team-b' });
      const H = 3_600_000;
      // Job a: commit x fails on Nov 13 10:00, passes at 14:00 (flaky; red for 4 h). Job b builds
      // commit x once, successfully: not flaky with a's failure, and no restore of a's spell.
      await importRecords(kiln, admin, a, [
        recordLine(1, { start_time: NOV_10 + 3 * DAY - 2 * H, state: 'FAILURE', commit_id: 'x' }),
        recordLine(2, { start_time: NOV_10 + 3 * DAY + 2 * H, commit_id: 'x' }),
      ]);
      await importRecords(kiln, admin, b, [
        recordLine(1, { start_time: NOV_10 + 3 * DAY - H, commit_id: 'x' }),
        recordLine(2, { start_time: NOV_10 + 4 * DAY, state: 'FAILURE', commit_id: 'y' }),
      ]);
      // Steps of job a's builds (as runners report them): compile ran 10 and 20 minutes, test 1.
      const M = 60_000;
      for (const [n, compile] of [
        [1, 10 * M],
        [2, 20 * M],
      ] as const) {
        const build = (await kiln.storage.builds.findByNumber(a, n))!;
        const at = build.startTime;
        await kiln.storage.steps.insertMany(build.recordId, [
          {
            index: 0,
            name: 'compile',
            moduleId: 'sh',
            enabled: true,
            status: 'success',
            startedAt: at,
            finishedAt: at + compile,
            logStart: 0,
            logEnd: 0,
          },
          {
            index: 1,
            name: 'test',
            moduleId: 'sh',
            enabled: true,
            status: 'success',
            startedAt: at + compile,
            finishedAt: at + compile + M,
            logStart: 0,
            logEnd: 0,
          },
        ]);
      }
      const res = await kiln.call(admin, { method: 'GET', url: `/v1/kiln/projects/${team}/insights?days=7` });
      expect(res.statusCode, res.body).toBe(200);
      const { result } = res.json();
      expect(result).toMatchObject({
        project_id: team,
        from: '2023-11-10 00:00:00',
        to: '2023-11-17 00:00:00',
        jobs: 2,
        builds_read: 4,
        complete: true,
      });
      expect(result.flaky).toEqual([
        {
          job_id: a,
          job_name: 'team-a',
          commit_id: 'x',
          builds: [
            { build_number: 1, state: 'FAILURE', start_time: NOV_10 + 3 * DAY - 2 * H },
            { build_number: 2, state: 'SUCCESS', start_time: NOV_10 + 3 * DAY + 2 * H },
          ],
        },
      ]);
      expect(result.stages).toEqual([
        {
          job_id: a,
          job_name: 'team-a',
          name: 'compile',
          runs: 2,
          p50_ms: 10 * M,
          p90_ms: 20 * M,
          max_ms: 20 * M,
        },
        { job_id: a, job_name: 'team-a', name: 'test', runs: 2, p50_ms: M, p90_ms: M, max_ms: M },
      ]);
      const ofJob = await kiln.call(admin, { method: 'GET', url: `/v1/kiln/jobs/${a}/insights?days=7` });
      expect(ofJob.json().result.stages[0]).toEqual({
        name: 'compile',
        runs: 2,
        p50_ms: 10 * M,
        p90_ms: 20 * M,
        max_ms: 20 * M,
      });
      // Week of Nov 13: 4 builds, 2 failed; one restore (a's, 4 h); b's failure is still red.
      expect(result.weeks[1]).toMatchObject({
        week: '2023-11-13',
        builds: 4,
        default_branch_builds: 4,
        default_branch_failures: 2,
        change_failure_rate: 0.5,
        time_to_restore_ms: 4 * H,
      });
      // A viewer kept from job b's builds sees job a alone.
      await createUser(kiln, admin, 'insights-viewer', 'Viewer-pass-1');
      await setRole(kiln, admin, team, 'insights-viewer', 'viewer');
      const hide = await kiln.call(admin, {
        method: 'POST',
        url: '/v1/job/permissions/batch',
        payload: {
          project_id: team,
          job_ids: [b],
          permissions: [
            {
              id: 0,
              role_id: 7,
              is_view: false,
              is_execute: false,
              is_modify: false,
              is_delete: false,
              is_copy: false,
              is_forbidden: false,
              is_manager: false,
              count: 0,
            },
          ],
        },
      });
      expect(hide.statusCode, hide.body).toBe(200);
      const viewer = await tokenOf(kiln, {
        name: 'insights-viewer',
        password: 'Viewer-pass-1',
        domain: 'default',
      });
      const seen = await kiln.call(viewer, {
        method: 'GET',
        url: `/v1/kiln/projects/${team}/insights?days=7`,
      });
      expect(seen.json().result).toMatchObject({ jobs: 1, builds_read: 2 });
    });

    it('ShowBuildDetails says whether a build runs and how it ended, and the caller’s region', async () => {
      const details = async (n: number) => {
        const res = await kiln.call(admin, { method: 'GET', url: `/v1/job/${job}/${n}/build-info` });
        expect(res.statusCode, res.body).toBe(200);
        return res.json();
      };
      expect(await details(4)).toEqual({
        result: { building: false, build_result: 'FAILURE', region: 'local' },
        error: null,
        status: 'success',
      });
      const run = await kiln.call(admin, { method: 'POST', url: '/v3/jobs/build', payload: { job_id: job } });
      expect(run.statusCode, run.body).toBe(200);
      const queued = await details(Number(run.json().actual_build_number));
      expect(queued.result).toEqual({ building: true, build_result: '', region: 'local' });
      expectCodeArtsError(
        await kiln.call(admin, { method: 'GET', url: `/v1/job/${job}/999/build-info` }),
        404,
        'CB.00060404',
      );
    });

    it('keeps them to those who may view the job', async () => {
      await createUser(kiln, admin, 'summary-viewer', 'Viewer-pass-1');
      await setRole(kiln, admin, project, 'summary-viewer', 'viewer');
      const viewer = await tokenOf(kiln, {
        name: 'summary-viewer',
        password: 'Viewer-pass-1',
        domain: 'default',
      });
      expect(
        (await kiln.call(viewer, { method: 'GET', url: `/v1/record/${job}/statistics` })).statusCode,
      ).toBe(200);
      await kiln.call(admin, {
        method: 'POST',
        url: '/v1/job/permissions/batch',
        payload: { job_ids: [job], permissions: [{ role_id: 7, is_view: false }] },
      });
      expectCodeArtsError(
        await kiln.call(viewer, { method: 'POST', url: '/v1/record/brief?limit=1', payload: [other, job] }),
        403,
        'CB.00060403',
      );
      expectCodeArtsError(
        await kiln.call(viewer, { method: 'GET', url: `/v1/record/${job}/statistics` }),
        403,
        'CB.00060403',
      );
    });
  });
});
