import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestKiln, type TestKiln } from '../../helpers/app.ts';
import { ADMIN, createJob, createProject, onEveryStore, tokenOf } from '../../helpers/foundation.ts';
import { expectOk } from './common.ts';

/**
 * The `search` / `name` filters of the lists (ListProjectJobs, ListJob, ShowJobListByProjectId's
 * twin, ListRecyclingJob, ListRelatedProjectInfo, ListTemplates, ListCustomTemplate) find a name
 * whatever its letters: a name with an upper-case letter outside ASCII (`Éclair`, `Ärger`, a
 * Cyrillic name) is found by itself and by its lower-case spelling, on SQLite as on PostgreSQL.
 * The store lower-cases the search text in JavaScript (Unicode) but the column with the
 * database's lower(): SQLite's lower() leaves non-ASCII letters as they are, so there a job named
 * `Éclair-build` was not found even by its exact name.
 */

const JOB = 'Éclair-build';
const BINNED = 'Ärger-job';
const PROJECT = 'Überblick';
const TEMPLATE = 'Ökonomie';

onEveryStore((store) => {
  describe('searching names with upper-case letters outside ASCII', () => {
    let kiln: TestKiln;
    let admin: string;
    let projectId = '';

    beforeAll(async () => {
      kiln = await createTestKiln({ store });
      admin = await tokenOf(kiln, ADMIN);
      projectId = await kiln.defaultProjectId();
      await createJob(kiln, admin, projectId, { job_name: JOB });
      await createJob(kiln, admin, projectId, { job_name: 'plain-job' });
      const binned = await createJob(kiln, admin, projectId, { job_name: BINNED });
      expectOk(await kiln.call(admin, { method: 'POST', url: `/v3/jobs/${binned}/delete` }));
      await createProject(kiln, admin, PROJECT);
      const tpl = await kiln.call(admin, {
        method: 'POST',
        url: '/v1/template/create',
        payload: {
          name: TEMPLATE,
          template: { steps: [{ module_id: 'kiln.shell', name: 's', properties: { command: 'true' } }] },
        },
      });
      expectOk(tpl);
    });
    afterAll(() => kiln?.close());

    const get = async (url: string) => {
      const res = await kiln.call(admin, { method: 'GET', url });
      expectOk(res);
      return res.json();
    };
    const q = encodeURIComponent;

    it.each([JOB, 'éclair', 'ÉCLAIR-BUILD'])('ListProjectJobs and ListJob find %s', async (search) => {
      const project = await get(`/v1/job/${projectId}/list?page_index=0&page_size=100&search=${q(search)}`);
      expect(project.jobs.map((j: { job_name: string }) => j.job_name)).toEqual([JOB]);
      const all = await get(`/v1/job/list?page_index=0&page_size=100&search=${q(search)}`);
      expect(all.result.job_list.map((j: { job_name: string }) => j.job_name)).toEqual([JOB]);
    });

    it.each([BINNED, 'ärger'])('ListRecyclingJob finds %s', async (search) => {
      const bin = await get(`/v1/job/recycling-jobs?page_no=1&page_size=100&search=${q(search)}`);
      expect(bin.result.job_list.map((j: { job_name: string }) => j.job_name)).toEqual([BINNED]);
    });

    it.each([PROJECT, 'überblick'])('ListRelatedProjectInfo finds %s', async (search) => {
      const page = await get(`/v1/domain/project/related-page?page_no=1&page_size=100&search=${q(search)}`);
      expect(page.result.project_info_list.map((p: { name: string }) => p.name)).toEqual([PROJECT]);
    });

    it.each([TEMPLATE, 'ökonomie'])('ListTemplates and ListCustomTemplate find %s', async (name) => {
      const v3 = await get(`/v3/templates/query?name=${q(name)}`);
      expect(v3.result.items.map((t: { name: string }) => t.name)).toEqual([TEMPLATE]);
      const v1 = await get(`/v1/template/custom?page=1&page_size=100&name=${q(name)}`);
      expect(v1.result.items.map((t: { name: string }) => t.name)).toEqual([TEMPLATE]);
    });
  });
});
