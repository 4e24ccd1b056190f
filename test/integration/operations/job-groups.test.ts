import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestKiln } from '../../helpers/app.ts';
import { createTestKiln, jobBody } from '../../helpers/app.ts';
import {
  ADMIN,
  createJob,
  createProject,
  createUser,
  expectCodeArtsError,
  onEveryStore,
  setRole,
  tokenOf,
} from '../../helpers/foundation.ts';

/**
 * Job groups (reference A.7): CreateJobGroup, UpdateJobGroup, DeleteGroup, MoveGroup,
 * SwitchedPacket, ListGroupTree, with their fields and types; a job's `group_id` at create, update
 * and copy; ListProjectJobs' `by_group` and `group_path_id`; a non-empty group refused on delete.
 */

interface Group {
  id: string;
  name: string;
  parent_id: string | null;
  path_id: string;
  ordinal: string;
}
interface Node {
  id: string;
  name: string;
  path_id: string;
  ordinal: number;
  children: Node[];
}

const RESULT_FIELDS = [
  'create_time',
  'create_user',
  'domain_id',
  'group_id',
  'id',
  'name',
  'ordinal',
  'parent_id',
  'path_id',
  'project_id',
  'update_time',
  'update_user',
];
const NODE_FIELDS = [...RESULT_FIELDS.filter((f) => f !== 'group_id'), 'children'].sort();
const OFFSET_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d{4}$/;

onEveryStore((store) => {
  describe('job groups', () => {
    let kiln: TestKiln;
    let admin: string;
    let project: string;
    let other: string;
    let viewer: string;

    beforeAll(async () => {
      kiln = await createTestKiln({ store });
      admin = await tokenOf(kiln, ADMIN);
      project = await createProject(kiln, admin, 'grouped');
      other = await createProject(kiln, admin, 'elsewhere');
      await createUser(kiln, admin, 'group-viewer', 'Viewer-pass-1');
      await setRole(kiln, admin, project, 'group-viewer', 'viewer');
      viewer = await tokenOf(kiln, { name: 'group-viewer', password: 'Viewer-pass-1', domain: 'default' });
    });
    afterAll(() => kiln?.close());

    const call = (method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, payload?: object, token = admin) =>
      kiln.call(token, { method, url: `/v1/job/${project}/group/${path}`, ...(payload && { payload }) });
    const create = async (name: string, parent?: string): Promise<Group> => {
      const res = await call('POST', 'create', { name, ...(parent && { parent_id: parent }) });
      expect(res.statusCode, res.body).toBe(200);
      const body = res.json();
      expect(Object.keys(body).sort()).toEqual(['error', 'result', 'status']);
      expect(body.result).toHaveLength(1);
      return body.result[0] as Group;
    };
    const tree = async (): Promise<Node[]> => {
      const res = await call('GET', 'tree');
      expect(res.statusCode, res.body).toBe(200);
      return res.json().result as Node[];
    };
    const listed = async (query: string): Promise<string[]> => {
      const res = await kiln.call(admin, {
        method: 'GET',
        url: `/v1/job/${project}/list?page_index=0&page_size=100&${query}`,
      });
      expect(res.statusCode, res.body).toBe(200);
      return (res.json().jobs as { job_name: string }[]).map((j) => j.job_name).sort();
    };
    const move = (groupId: string, jobIds: string[]) =>
      call('POST', 'move', { group_id: groupId, jobs: jobIds.map((job_id) => ({ job_id, job_name: 'x' })) });
    const groupOfJob = async (jobId: string): Promise<unknown> => {
      const res = await kiln.call(admin, { method: 'GET', url: `/v3/jobs/${jobId}/query` });
      expect(res.statusCode, res.body).toBe(200);
      return res.json().result.group_id;
    };

    it('creates groups with the reference fields and types, and lists them as a tree', async () => {
      const top = await create('backend');
      expect(Object.keys(top).sort()).toEqual(RESULT_FIELDS);
      const me = (await kiln.call(admin, { method: 'GET', url: '/v1/kiln/users/me' })).json().result;
      expect(top).toMatchObject({
        name: 'backend',
        project_id: project,
        parent_id: null,
        path_id: top.id,
        group_id: top.id,
        ordinal: '0',
        create_user: 'admin',
        update_user: null,
        update_time: null,
        domain_id: me.domain_id,
      });
      expect((top as unknown as { create_time: string }).create_time).toMatch(OFFSET_TIME);
      const second = await create('frontend');
      expect(second.ordinal).toBe('1');
      const child = await create('services', top.id);
      expect(child).toMatchObject({ parent_id: top.id, path_id: `${top.id}.${child.id}`, ordinal: '0' });

      const roots = await tree();
      expect(roots.map((n) => n.name)).toEqual(['backend', 'frontend']);
      expect(Object.keys(roots[0]!).sort()).toEqual(NODE_FIELDS);
      expect(roots[0]!.ordinal).toBe(0);
      expect(roots[0]!.children.map((n) => [n.name, n.path_id])).toEqual([['services', child.path_id]]);
      expect(roots[1]!.children).toEqual([]);

      // Sibling names are unique; the same name elsewhere in the tree is fine.
      expectCodeArtsError(await call('POST', 'create', { name: 'backend' }), 409, 'CB.00060409', /backend/);
      await create('backend', second.id);
      expectCodeArtsError(await call('POST', 'create', { name: ' ' }), 400, 'CB.00060200', /name/);
      expectCodeArtsError(
        await call('POST', 'create', { name: 'x', parent_id: 'f'.repeat(32) }),
        404,
        'CB.00060404',
        /no group/,
      );
      expectCodeArtsError(
        await call('POST', 'create', { name: 'x', project_id: other }),
        400,
        'CB.00060200',
        /project_id/,
      );
    });

    it('lets a viewer read the tree, not change it or move jobs, and nobody outside the project', async () => {
      expect((await call('GET', 'tree', undefined, viewer)).statusCode).toBe(200);
      expectCodeArtsError(await call('POST', 'create', { name: 'mine' }, viewer), 403, 'CB.00060403');
      const group = await create('viewer-target');
      const job = await createJob(kiln, admin, project, { job_name: 'viewer-cannot-move' });
      expectCodeArtsError(
        await call('POST', 'move', { group_id: group.id, jobs: [{ job_id: job }] }, viewer),
        403,
        'CB.00060403',
        /change this job's configuration/,
      );
      await createUser(kiln, admin, 'group-outsider', 'Outsider-pass-1');
      const outsider = await tokenOf(kiln, {
        name: 'group-outsider',
        password: 'Outsider-pass-1',
        domain: 'default',
      });
      expectCodeArtsError(await call('GET', 'tree', undefined, outsider), 404, 'CB.00060404');
      expectCodeArtsError(
        await call('POST', 'move', { group_id: group.id, jobs: [{ job_id: job }] }, outsider),
        404,
        'CB.00060404',
      );
    });

    it("puts jobs in groups at create, by MoveGroup and by update; the job list filters by a group's subtree", async () => {
      const apps = await create('apps');
      const web = await create('web', apps.id);
      const tools = await create('tools');
      const inWeb = await createJob(kiln, admin, project, { job_name: 'site', group_id: web.id });
      const loose = await createJob(kiln, admin, project, { job_name: 'loose' });
      const other1 = await createJob(kiln, admin, other, { job_name: 'far' });
      expect(await groupOfJob(inWeb)).toBe(web.id);
      expect(await groupOfJob(loose)).toBeUndefined();
      expectCodeArtsError(
        await kiln.call(admin, {
          method: 'POST',
          url: '/v3/jobs/create',
          payload: jobBody(project, { job_name: 'lost', group_id: 'a'.repeat(32) }),
        }),
        400,
        'CB.00060200',
        /group_id: no group/,
      );

      // The group and its subgroups.
      expect(await listed(`group_path_id=${apps.path_id}`)).toEqual(['site']);
      expect(await listed(`group_path_id=${web.path_id}`)).toEqual(['site']);
      expect(await listed(`group_path_id=${tools.path_id}`)).toEqual([]);
      expect(await listed('by_group=true')).toContain('loose');
      expect(await listed('by_group=true')).not.toContain('site');
      expectCodeArtsError(
        await kiln.call(admin, {
          method: 'GET',
          url: `/v1/job/${project}/list?page_index=0&page_size=10&group_path_id=..`,
        }),
        400,
        'CB.00060200',
        /group_path_id/,
      );

      // MoveGroup answers each job's new path; the job's document history does not change.
      const history = async (id: string) =>
        (
          await kiln.call(admin, { method: 'GET', url: `/v1/job/${id}/history?page_no=1&page_size=10` })
        ).json().result.total as number;
      const before = await history(loose);
      const moved = await move(tools.id, [loose, inWeb]);
      expect(moved.statusCode, moved.body).toBe(200);
      expect(moved.json()).toEqual({
        error: null,
        status: 'success',
        result: [
          { job_id: loose, group_path_id: tools.path_id },
          { job_id: inWeb, group_path_id: tools.path_id },
        ],
      });
      expect(await history(loose)).toBe(before);
      expect(await listed(`group_path_id=${tools.path_id}`)).toEqual(['loose', 'site']);
      expectCodeArtsError(await move(tools.id, [other1]), 400, 'CB.00060200', /not in project/);
      expectCodeArtsError(await move('b'.repeat(32), [loose]), 404, 'CB.00060404', /no group/);
      expect((await move('', [inWeb])).json().result).toEqual([{ job_id: inWeb, group_path_id: '' }]);
      expect(await groupOfJob(inWeb)).toBeUndefined();

      // An update with a group_id moves the job; one without leaves it where it is.
      const update = (id: string, overrides: Record<string, unknown>) =>
        kiln.call(admin, {
          method: 'POST',
          url: '/v3/jobs/update',
          payload: { job_id: id, ...jobBody(project, overrides) },
        });
      expect((await update(inWeb, { job_name: 'site', group_id: web.id })).statusCode).toBe(200);
      expect(await groupOfJob(inWeb)).toBe(web.id);
      expect((await update(inWeb, { job_name: 'site' })).statusCode).toBe(200);
      expect(await groupOfJob(inWeb)).toBe(web.id);

      // A copy goes to the source's group unless its body names another.
      const copy = async (name: string, extra: Record<string, unknown> = {}) => {
        const res = await kiln.call(admin, {
          method: 'POST',
          url: '/v1/job/copy',
          payload: { ...jobBody(project, { job_name: name, ...extra }), copy_job_id: inWeb },
        });
        expect(res.statusCode, res.body).toBe(200);
        return res.json().result.job_id as string;
      };
      expect(await groupOfJob(await copy('site-copy'))).toBe(web.id);
      expect(await groupOfJob(await copy('site-copy-2', { group_id: tools.id }))).toBe(tools.id);
      // Into another project, the copy is in no group (the source's is not there).
      const far = await kiln.call(admin, {
        method: 'POST',
        url: '/v1/job/copy',
        payload: { ...jobBody(other, { job_name: 'site-far' }), copy_job_id: inWeb },
      });
      expect(far.statusCode, far.body).toBe(200);
      expect(await groupOfJob(far.json().result.job_id)).toBeUndefined();
    });

    it('renames and moves a group with its subtree, refusing a move into itself and past the depth limit', async () => {
      const a = await create('a');
      const a1 = await create('a1', a.id);
      const b = await create('b');
      const job = await createJob(kiln, admin, project, { job_name: 'deep', group_id: a1.id });

      const renamed = await call('PUT', 'update', { id: a.id, name: 'a-renamed' });
      expect(renamed.statusCode, renamed.body).toBe(200);
      const r = renamed.json().result[0];
      expect(Object.keys(r).sort()).toEqual(RESULT_FIELDS);
      expect(r).toMatchObject({ name: 'a-renamed', path_id: a.id, update_user: 'admin' });
      expect(r.update_time).toMatch(OFFSET_TIME);

      const movedA = (await call('PUT', 'update', { id: a.id, parent_id: b.id })).json().result[0];
      expect(movedA).toMatchObject({ parent_id: b.id, path_id: `${b.id}.${a.id}`, ordinal: '0' });
      const bNode = (await tree()).find((n) => n.id === b.id)!;
      expect(bNode.children[0]!.children[0]).toMatchObject({
        id: a1.id,
        path_id: `${b.id}.${a.id}.${a1.id}`,
      });
      expect(await listed(`group_path_id=${b.id}`)).toEqual(['deep']);
      expect(await groupOfJob(job)).toBe(a1.id);

      expectCodeArtsError(
        await call('PUT', 'update', { id: b.id, parent_id: a1.id }),
        400,
        'CB.00060200',
        /itself/,
      );
      expectCodeArtsError(await call('PUT', 'update', { name: 'x' }), 400, 'CB.00060200', /id/);

      // Back to the top level.
      expect((await call('PUT', 'update', { id: a.id, parent_id: '' })).json().result[0]).toMatchObject({
        parent_id: null,
        path_id: a.id,
      });

      // Ten levels deep is the limit, for a new group and for a moved subtree.
      let parent: Group | undefined;
      const chain: Group[] = [];
      for (let depth = 1; depth <= 10; depth++) {
        parent = await create(`level-${depth}`, parent?.id);
        chain.push(parent);
      }
      expectCodeArtsError(
        await call('POST', 'create', { name: 'eleven', parent_id: parent!.id }),
        400,
        'CB.00060200',
        /10 deep/,
      );
      expectCodeArtsError(
        await call('PUT', 'update', { id: a.id, parent_id: chain[8]!.id }),
        400,
        'CB.00060200',
        /10 deep/,
      );
    });

    it('swaps two siblings, and only siblings', async () => {
      const x = await create('swap-x');
      const y = await create('swap-y');
      const inner = await create('swap-inner', x.id);
      const res = await call('POST', `swap?source_group_id=${x.id}&target_group_id=${y.id}`);
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json()).toEqual({ status: 'success', error: null, result: null });
      const names = (await tree()).map((n) => n.name);
      expect(names.indexOf('swap-y')).toBeLessThan(names.indexOf('swap-x'));
      expectCodeArtsError(
        await call('POST', `swap?source_group_id=${x.id}&target_group_id=${inner.id}`),
        400,
        'CB.00060200',
        /same parent/,
      );
    });

    it('deletes an empty group only; a binned job in it comes back in no group', async () => {
      const full = await create('full');
      const sub = await create('sub', full.id);
      const withJob = await create('with-job');
      const binned = await create('binned');
      await createJob(kiln, admin, project, { job_name: 'stays', group_id: withJob.id });
      const gone = await createJob(kiln, admin, project, { job_name: 'gone', group_id: binned.id });

      expectCodeArtsError(await call('DELETE', `delete?id=${full.id}`), 409, 'CB.00060409', /subgroups/);
      expectCodeArtsError(await call('DELETE', `delete?id=${withJob.id}`), 409, 'CB.00060409', /has jobs/);
      const ok = await call('DELETE', `delete?id=${sub.id}`);
      expect(ok.json()).toEqual({ status: 'success', error: null, result: null });
      expect((await call('DELETE', `delete?id=${full.id}`)).statusCode).toBe(200);
      expectCodeArtsError(await call('DELETE', `delete?id=${full.id}`), 404, 'CB.00060404', /no group/);

      expect((await kiln.call(admin, { method: 'POST', url: `/v3/jobs/${gone}/delete` })).statusCode).toBe(
        200,
      );
      expect((await call('DELETE', `delete?id=${binned.id}`)).statusCode).toBe(200);
      const restore = await kiln.call(admin, {
        method: 'POST',
        url: '/v1/job/recycling-restoration',
        payload: { job_ids: [gone] },
      });
      expect(restore.statusCode, restore.body).toBe(200);
      expect(await groupOfJob(gone)).toBeUndefined();
      expect((await tree()).map((n) => n.name)).not.toContain('binned');
    });

    it('lets exactly one of two racing creates take a name', async () => {
      const results = await Promise.all([
        call('POST', 'create', { name: 'race' }),
        call('POST', 'create', { name: 'race' }),
      ]);
      expect(results.map((r) => r.statusCode).sort()).toEqual([200, 409]);
    });
  });
});
