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
 * ListRecords and ShowJobTotal of a project (`build_project_id` a project id): its jobs' builds
 * merged newest first, paged at every position exactly as one sorted list would be, filtered,
 * counted, and only of the jobs the caller may view.
 */

const DAY = 86_400_000;
const START = Date.UTC(2023, 10, 1, 0, 0, 0);
const VIEWER = { name: 'records-viewer', password: 'Viewer-pass-1', domain: 'default' };
const STRANGER = { name: 'records-stranger', password: 'Stranger-pass-1', domain: 'default' };

/** Every flag off but view, as BatchUpdateJobRolePermission takes a row. */
const viewOnly = (view: boolean) => ({
  is_view: view,
  is_execute: false,
  is_modify: false,
  is_delete: false,
  is_copy: false,
  is_forbidden: false,
  is_manager: false,
});

onEveryStore((store) => {
  describe('records of a project', () => {
    let kiln: TestKiln;
    let admin: string;
    let viewer: string;
    let project: string;
    /** Every imported build: [job, number, start] sorted as the records list them. */
    const expected: { job: string; number: number; start: number; branch: string }[] = [];
    let hidden = '';

    beforeAll(async () => {
      kiln = await createTestKiln({ store, clock: new TestClock(Date.UTC(2023, 11, 1)) });
      admin = await tokenOf(kiln, ADMIN);
      project = await createProject(kiln, admin, 'many-jobs');
      await createUser(kiln, admin, VIEWER.name, VIEWER.password);
      await createUser(kiln, admin, STRANGER.name, STRANGER.password);
      await setRole(kiln, admin, project, VIEWER.name, 'viewer');
      viewer = await tokenOf(kiln, VIEWER);
      // Three jobs with interleaved histories over 20 days: several builds a day, some days none,
      // and builds of different jobs at the same instant (the order is then number, then id).
      const jobs: string[] = [];
      for (const [i, name] of ['alpha', 'beta', 'gamma'].entries()) {
        const job = await createJob(kiln, admin, project, { job_name: name });
        jobs.push(job);
        const lines: string[] = [];
        let number = 0;
        for (let day = 0; day < 20; day++) {
          if ((day + i) % 4 === 3) continue;
          for (let k = 0; k < ((day * (i + 2)) % 5) + 1; k++) {
            number++;
            const start = START + day * DAY + (k === 0 ? 0 : (k * 3_600_000 * (i + 1)) % DAY);
            const branch = number % 3 === 0 ? 'dev' : 'main';
            lines.push(recordLine(number, { start_time: start, code_branch: branch }));
            expected.push({ job, number, start, branch });
          }
        }
        await importRecords(kiln, admin, job, lines);
      }
      // A job the viewer may not view: its builds are not theirs to list.
      hidden = await createJob(kiln, admin, project, { job_name: 'hidden' });
      await importRecords(kiln, admin, hidden, [recordLine(1, { start_time: START + DAY })]);
      const restrict = await kiln.call(admin, {
        method: 'POST',
        url: '/v1/job/permissions/batch',
        payload: {
          project_id: project,
          job_ids: [hidden],
          permissions: [{ id: 0, role_id: 7, ...viewOnly(false), count: 0 }],
        },
      });
      expect(restrict.statusCode, restrict.body).toBe(200);
      expected.sort((a, b) => b.start - a.start || b.number - a.number);
    });
    afterAll(() => kiln?.close());

    const list = async (token: string, query: string) => {
      const res = await kiln.call(token, { method: 'GET', url: `/v1/record/${project}/records?${query}` });
      expect(res.statusCode, res.body).toBe(200);
      const { data, pagination } = res.json().result as {
        data: { project_id: string; build_no: string; start_time: string }[];
        pagination: { total: number };
      };
      return { rows: data.map((r) => `${r.project_id}#${r.build_no}`), total: pagination.total };
    };
    const key = (e: { job: string; number: number }) => `${e.job}#${e.number}`;
    /** Every row, 100 a page (ListRecords' largest). */
    const listAll = async (token: string, query = '') => {
      const rows: string[] = [];
      let total = 0;
      for (let page = 0; page === 0 || rows.length < total; page++) {
        const got = await list(token, `${query}&page=${page}&limit=100`);
        total = got.total;
        if (got.rows.length === 0) break;
        rows.push(...got.rows);
      }
      return { rows, total };
    };

    it('merges the jobs’ builds newest first; every page is its slice of that one list', async () => {
      const all = await listAll(viewer);
      expect(all.total).toBe(expected.length);
      // Builds at the same instant come in an order the test does not fix; the instants do.
      const order = (rows: string[]) => rows.map((r) => expected.find((e) => key(e) === r)!.start);
      expect(order(all.rows)).toEqual(expected.map((e) => e.start));
      expect(new Set(all.rows).size).toBe(expected.length);
      for (const limit of [1, 3, 7, 20]) {
        const pages: string[] = [];
        for (let page = 0; page * limit < expected.length; page++)
          pages.push(...(await list(viewer, `page=${page}&limit=${limit}`)).rows);
        expect(pages, `limit ${limit}`).toEqual(all.rows);
      }
      expect((await list(viewer, `page=${expected.length}&limit=1`)).rows).toEqual([]);
      // Each row is its build's ShowBuildRecord, naming its own job.
      const first = await kiln.call(viewer, { method: 'GET', url: `/v1/record/${project}/records?limit=1` });
      const row = first.json().result.data[0];
      const shown = await kiln.call(viewer, { method: 'GET', url: `/v1/record/${String(row.id)}/info` });
      expect(row).toEqual(shown.json().result);
    });

    it('filters by dates and branches over every job, and counts with ShowJobTotal', async () => {
      const inWindow = expected.filter((e) => e.start >= START + 5 * DAY && e.start < START + 9 * DAY);
      const windowed = await listAll(viewer, 'from_date=2023-11-06&to_date=2023-11-09');
      expect(windowed.total).toBe(inWindow.length);
      expect(windowed.rows.sort()).toEqual(inWindow.map(key).sort());
      const dev = expected.filter((e) => e.branch === 'dev');
      const onDev = await listAll(viewer, 'branches=dev');
      expect(onDev.total).toBe(dev.length);
      expect(onDev.rows.sort()).toEqual(dev.map(key).sort());
      const stats = await kiln.call(viewer, {
        method: 'GET',
        url: `/v1/record/${project}/statistics?from_date=2023-11-06&to_date=2023-11-09`,
      });
      expect(stats.json()).toEqual({ result: { total: inWindow.length }, status: 'success', error: null });
    });

    it('leaves out the jobs the caller may not view; an owner sees them', async () => {
      const mine = await listAll(viewer);
      expect(mine.rows.some((r) => r.startsWith(hidden))).toBe(false);
      const theirs = await listAll(admin);
      expect(theirs.total).toBe(expected.length + 1);
      expect(theirs.rows).toContain(`${hidden}#1`);
    });

    it('answers 404 for a project the caller is not in, and for an id that is neither', async () => {
      const stranger = await tokenOf(kiln, STRANGER);
      for (const id of [project, 'f'.repeat(32)])
        expectCodeArtsError(
          await kiln.call(stranger, { method: 'GET', url: `/v1/record/${id}/records` }),
          404,
          'CB.00060201',
          /^job [0-9a-f]{32} not found \(nor a project you may see\)$/,
        );
    });
  });
});
