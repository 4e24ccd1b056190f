import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestKiln, jobBody, type TestKiln } from '../helpers/app.ts';
import {
  ADMIN,
  createDomain,
  createJob,
  createProject,
  createUser,
  envelope,
  expectCodeArtsError,
  expectKeystoneError,
  expectRequestId,
  expectShape,
  importRecords,
  onEveryStore,
  recordLine,
  revoke,
  setRole,
  SHAPES,
  signIn,
  tokenOf,
  tokenShape,
  type Credentials,
} from '../helpers/foundation.ts';

/**
 * Every Identity, Projects-and-jobs and Kiln-admin operation, in process: what it answers when it
 * works (field for field, type for type, as the reference shows it) and when it does not.
 */

const DAY_MS = 24 * 3_600_000;
const KEYSTONE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;
const ID32 = /^[0-9a-z]{32}$/;

/** Keystone time (microseconds) -> epoch ms. */
function keystoneMs(text: string): number {
  return Date.parse(text.replace(/(\.\d{3})\d*Z$/, '$1Z'));
}

function expectOk(res: LightMyRequestResponse, status = 200): void {
  expect(res.statusCode, res.body.slice(0, 500)).toBe(status);
  expectRequestId(res);
}

onEveryStore((store) => {
  describe('Identity: KeystoneCreateUserTokenByPassword', () => {
    let kiln: TestKiln;
    beforeAll(async () => {
      kiln = await createTestKiln({ store });
    });
    afterAll(() => kiln?.close());

    it('issues a project-scoped token: 201, the token in X-Subject-Token, a Keystone body with project and catalog', async () => {
      const res = await signIn(kiln, ADMIN, 'project');
      expectOk(res, 201);
      const token = res.headers['x-subject-token'];
      expect(typeof token).toBe('string');
      // 256 random bits are at least 43 characters of base64.
      expect(String(token).length).toBeGreaterThanOrEqual(43);
      const body = res.json();
      expectShape(body, tokenShape('project', true));
      expect(body.token.project.name).toBe('local');
      expect(body.token.project.domain.name).toBe('default');
      expect(body.token.project.id).toMatch(ID32);
      expect(body.token.user.name).toBe('admin');
      expect(body.token.user.domain).toEqual(body.token.project.domain);
      expect(body.token.user.password_expires_at).toBe('');
      expect(body.token.methods).toEqual(['password']);
      expect(body.token.issued_at).toMatch(KEYSTONE_TIME);
      expect(body.token.expires_at).toMatch(KEYSTONE_TIME);
      expect(keystoneMs(body.token.issued_at)).toBe(kiln.clock.now());
      expect(keystoneMs(body.token.expires_at) - keystoneMs(body.token.issued_at)).toBe(DAY_MS);
      expect(body.token.catalog.length).toBeGreaterThan(0);
      expect(body.token.catalog[0].endpoints[0].interface).toBe('public');
      expect(body.token.catalog[0].endpoints[0].url).toMatch(/^https?:\/\//);
    });

    it('issues a domain-scoped token with the domain and no project', async () => {
      const res = await signIn(kiln, ADMIN, 'domain');
      expectOk(res, 201);
      const body = res.json();
      expectShape(body, tokenShape('domain', true));
      expect(body.token.domain.name).toBe('default');
      expect(body.token.domain.id).toBe(body.token.user.domain.id);
    });

    it.each(['project', 'domain'] as const)(
      'leaves the catalog out with ?nocatalog=true (%s scope)',
      async (scope) => {
        const res = await signIn(kiln, ADMIN, scope, '?nocatalog=true');
        expectOk(res, 201);
        expectShape(res.json(), tokenShape(scope, false));
      },
    );

    it('issues a different token at every sign-in, each of them usable', async () => {
      const a = await tokenOf(kiln, ADMIN);
      const b = await tokenOf(kiln, ADMIN);
      expect(a).not.toBe(b);
      for (const t of [a, b]) {
        expectOk(await kiln.call(t, { method: 'GET', url: '/v1/domain/project/related' }));
      }
    });

    it.each([
      ['a wrong password', { ...ADMIN, password: 'wrong-password-1' }],
      ['an unknown user', { ...ADMIN, name: 'nobody' }],
      ['an unknown domain', { ...ADMIN, domain: 'nowhere' }],
    ] as const)('answers %s with Keystone 401 "The username or password is wrong."', async (_label, who) => {
      const res = await signIn(kiln, who as Credentials);
      expectKeystoneError(res, 401, 'The username or password is wrong.');
      expect(res.headers['x-subject-token']).toBeUndefined();
    });

    it.each([
      ['no body', undefined],
      ['a body without auth', { identity: {} }],
      ['a body without the password', { auth: { identity: { methods: ['password'] } } }],
      [
        'a password that is not a string',
        {
          auth: {
            identity: {
              methods: ['password'],
              password: { user: { name: 'admin', password: 12345678, domain: { name: 'default' } } },
            },
          },
        },
      ],
    ])('answers %s with Keystone 400', async (_label, payload) => {
      const res = await kiln.app.inject({
        method: 'POST',
        url: '/v3/auth/tokens',
        headers: { 'content-type': 'application/json' },
        ...(payload !== undefined && { payload: JSON.stringify(payload) }),
      });
      expectKeystoneError(res, 400);
    });

    it('answers a body that is not JSON with Keystone 400', async () => {
      const res = await kiln.app.inject({
        method: 'POST',
        url: '/v3/auth/tokens',
        headers: { 'content-type': 'application/json' },
        payload: '{"auth": {',
      });
      expectKeystoneError(res, 400);
    });

    it('refuses a disabled user with Keystone 401', async () => {
      const admin = await tokenOf(kiln, ADMIN);
      await createUser(kiln, admin, 'sleeper', 'sleeper-password-1');
      const off = await kiln.call(admin, {
        method: 'PUT',
        url: '/v1/kiln/users/sleeper',
        payload: { disabled: true },
      });
      expectOk(off);
      const res = await signIn(kiln, { name: 'sleeper', password: 'sleeper-password-1', domain: 'default' });
      expectKeystoneError(res, 401);
      expect(res.headers['x-subject-token']).toBeUndefined();
    });
  });

  describe('Identity: KeystoneValidateToken and KeystoneRevokeToken', () => {
    let kiln: TestKiln;
    let admin: string;
    const BOB: Credentials = { name: 'bob', password: 'bob-password-1', domain: 'default' };
    beforeAll(async () => {
      kiln = await createTestKiln({ store });
      admin = await tokenOf(kiln, ADMIN);
      await createUser(kiln, admin, BOB.name, BOB.password);
    });
    afterAll(() => kiln?.close());

    it('shows what a token grants: 200, X-Subject-Token echoed, the same Keystone body as at issue', async () => {
      const issued = await signIn(kiln, BOB);
      const subject = String(issued.headers['x-subject-token']);
      const res = await kiln.call(await tokenOf(kiln, BOB), {
        method: 'GET',
        url: '/v3/auth/tokens',
        headers: { 'x-subject-token': subject },
      });
      expectOk(res);
      expect(res.headers['x-subject-token']).toBe(subject);
      expectShape(res.json(), tokenShape('project', true));
      expect(res.json().token.user).toEqual(issued.json().token.user);
      expect(res.json().token.project).toEqual(issued.json().token.project);
      expect(res.json().token.expires_at).toBe(issued.json().token.expires_at);
    });

    it('shows a domain-scoped token with its domain, and leaves the catalog out with ?nocatalog=true', async () => {
      const subject = await tokenOf(kiln, BOB, 'domain');
      const res = await kiln.call(subject, {
        method: 'GET',
        url: '/v3/auth/tokens?nocatalog=true',
        headers: { 'x-subject-token': subject },
      });
      expectOk(res);
      expectShape(res.json(), tokenShape('domain', false));
    });

    it('answers a missing X-Subject-Token with Keystone 400 naming the header', async () => {
      const res = await kiln.call(admin, { method: 'GET', url: '/v3/auth/tokens' });
      expectKeystoneError(res, 400, /x-subject-token/i);
    });

    it('answers an unknown subject token with Keystone 404', async () => {
      const res = await kiln.call(admin, {
        method: 'GET',
        url: '/v3/auth/tokens',
        headers: { 'x-subject-token': 'kiln_unknown' },
      });
      expectKeystoneError(res, 404);
    });

    it("does not show a plain user another user's token (404), but shows a domain admin any token of the domain", async () => {
      const bob = await tokenOf(kiln, BOB);
      const theirs = await kiln.call(bob, {
        method: 'GET',
        url: '/v3/auth/tokens',
        headers: { 'x-subject-token': admin },
      });
      expectKeystoneError(theirs, 404);
      const adminLooks = await kiln.call(admin, {
        method: 'GET',
        url: '/v3/auth/tokens',
        headers: { 'x-subject-token': bob },
      });
      expectOk(adminLooks);
      expect(adminLooks.json().token.user.name).toBe('bob');
    });

    it('revokes a token: 204 with no body; the token then gets 401 "revoked" while the others live on', async () => {
      const doomed = await tokenOf(kiln, BOB);
      const kept = await tokenOf(kiln, BOB);
      const res = await kiln.call(kept, {
        method: 'DELETE',
        url: '/v3/auth/tokens',
        headers: { 'x-subject-token': doomed },
      });
      expectOk(res, 204);
      expect(res.body).toBe('');
      const dead = await kiln.call(doomed, { method: 'GET', url: '/v1/domain/project/related' });
      expectCodeArtsError(dead, 401, 'APIGW.0301', /revoked/);
      const check = await kiln.call(kept, {
        method: 'GET',
        url: '/v3/auth/tokens',
        headers: { 'x-subject-token': doomed },
      });
      expectKeystoneError(check, 404);
      expectOk(await kiln.call(kept, { method: 'GET', url: '/v1/domain/project/related' }));
    });

    it('lets a token revoke itself', async () => {
      const self = await tokenOf(kiln, BOB);
      expectOk(
        await kiln.call(self, {
          method: 'DELETE',
          url: '/v3/auth/tokens',
          headers: { 'x-subject-token': self },
        }),
        204,
      );
      const after = await kiln.call(self, { method: 'GET', url: '/v1/kiln/users/me' });
      expectCodeArtsError(after, 401, 'APIGW.0301', /revoked/);
    });

    it("does not let a plain user revoke another user's token (404), and the token stays alive", async () => {
      const bob = await tokenOf(kiln, BOB);
      const adminToken = await tokenOf(kiln, ADMIN);
      const res = await kiln.call(bob, {
        method: 'DELETE',
        url: '/v3/auth/tokens',
        headers: { 'x-subject-token': adminToken },
      });
      expectKeystoneError(res, 404);
      expectOk(await kiln.call(adminToken, { method: 'GET', url: '/v1/kiln/users/me' }));
    });

    it('revoking a token twice answers 404 the second time', async () => {
      const subject = await tokenOf(kiln, BOB);
      await revoke(kiln, admin, subject);
      const again = await kiln.call(admin, {
        method: 'DELETE',
        url: '/v3/auth/tokens',
        headers: { 'x-subject-token': subject },
      });
      expectKeystoneError(again, 404);
    });
  });

  describe('Identity: token lifetime', () => {
    let kiln: TestKiln;
    beforeAll(async () => {
      kiln = await createTestKiln({ store });
    });
    afterAll(() => kiln?.close());

    it('keeps a token alive for 24 h and answers 401 "token expires" after', async () => {
      const token = await tokenOf(kiln, ADMIN);
      kiln.clock.advance(DAY_MS - 1000);
      expectOk(await kiln.call(token, { method: 'GET', url: '/v1/domain/project/related' }));
      kiln.clock.advance(2000);
      const late = await kiln.call(token, { method: 'GET', url: '/v1/domain/project/related' });
      expectCodeArtsError(late, 401, 'APIGW.0301', /token expires/);
      const check = await kiln.call(await tokenOf(kiln, ADMIN), {
        method: 'GET',
        url: '/v3/auth/tokens',
        headers: { 'x-subject-token': token },
      });
      expectKeystoneError(check, 404);
    });
  });

  describe('Identity: throttled sign-in', () => {
    let kiln: TestKiln;
    const SLOW: Credentials = { name: 'slow', password: 'slow-password-1', domain: 'default' };
    const WRONG = { ...SLOW, password: 'not-the-password' };
    beforeAll(async () => {
      kiln = await createTestKiln({ store });
      await createUser(kiln, await tokenOf(kiln, ADMIN), SLOW.name, SLOW.password);
    });
    afterAll(() => kiln?.close());

    it('after 5 failures answers 429 with Retry-After, even to the right password, until the wait has passed', async () => {
      for (let i = 1; i <= 5; i++) {
        expectKeystoneError(await signIn(kiln, WRONG), 401, 'The username or password is wrong.');
      }
      const locked = await signIn(kiln, SLOW);
      expectKeystoneError(locked, 429);
      expect(locked.headers['x-subject-token']).toBeUndefined();
      const retryAfter = String(locked.headers['retry-after']);
      expect(retryAfter).toMatch(/^[1-9]\d*$/);

      // Somebody else is not slowed down.
      expectOk(await signIn(kiln, ADMIN), 201);

      kiln.clock.advance(Number(retryAfter) * 1000 - 1000);
      expectKeystoneError(await signIn(kiln, SLOW), 429);
      kiln.clock.advance(1000);
      expectOk(await signIn(kiln, SLOW), 201);
    });

    it('starts counting afresh after a successful sign-in', async () => {
      expectOk(await signIn(kiln, SLOW), 201);
      for (let i = 1; i <= 4; i++) expectKeystoneError(await signIn(kiln, WRONG), 401);
      expectOk(await signIn(kiln, SLOW), 201);
    });
  });

  describe('Projects: ShowRelatedProject and ListRelatedProjectInfo', () => {
    let kiln: TestKiln;
    let admin: string;
    let adminId: string;
    let domainId: string;
    const ids: Record<string, string> = {};
    const MEMBER: Credentials = { name: 'member', password: 'member-password-1', domain: 'default' };

    beforeAll(async () => {
      kiln = await createTestKiln({ store });
      admin = await tokenOf(kiln, ADMIN);
      const me = (await kiln.call(admin, { method: 'GET', url: '/v1/kiln/users/me' })).json().result;
      adminId = me.id;
      domainId = me.domain_id;
      ids.default = await kiln.defaultProjectId();
      for (const name of ['p1', 'p2', 'p3', 'p4']) ids[name] = await createProject(kiln, admin, name);
      await createUser(kiln, admin, MEMBER.name, MEMBER.password);
      await setRole(kiln, admin, ids.p2 as string, MEMBER.name, 'developer');
    });
    afterAll(() => kiln?.close());

    it("ShowRelatedProject lists a domain admin's projects, field for field", async () => {
      const res = await kiln.call(admin, { method: 'GET', url: '/v1/domain/project/related' });
      expectOk(res);
      const body = res.json();
      expectShape(body, SHAPES.relatedProjects);
      expect(body.status).toBe('success');
      expect(body.result.total).toBe(5);
      const list = body.result.project_info_list as Record<string, unknown>[];
      expect(list.map((p) => p.name).sort()).toEqual(['default', 'p1', 'p2', 'p3', 'p4']);
      for (const p of list) {
        expect(p.identifier).toBe(ids[p.name as string]);
        expect(p.author_id).toBe(adminId);
        expect(p.is_creator).toBe(true);
        expect(p.author_domain_id).toBe(domainId);
      }
    });

    it('ShowRelatedProject lists only the projects a plain user is a member of', async () => {
      const res = await kiln.call(await tokenOf(kiln, MEMBER), {
        method: 'GET',
        url: '/v1/domain/project/related',
      });
      expectOk(res);
      expectShape(res.json(), SHAPES.relatedProjects);
      expect(res.json().result.total).toBe(1);
      expect(res.json().result.project_info_list).toEqual([
        { identifier: ids.p2, name: 'p2', author_id: adminId, is_creator: false, author_domain_id: domainId },
      ]);
    });

    it('ListRelatedProjectInfo pages with a 1-based page_no, every page telling the true total', async () => {
      const seen: string[] = [];
      const sizes: number[] = [];
      for (const pageNo of [1, 2, 3, 4]) {
        const res = await kiln.call(admin, {
          method: 'GET',
          url: `/v1/domain/project/related-page?page_no=${pageNo}&page_size=2`,
        });
        expectOk(res);
        expectShape(res.json(), SHAPES.relatedProjectsPage);
        expect(res.json().result.total).toBe(5);
        const list = res.json().result.project_info_list as { identifier: string; status: number }[];
        sizes.push(list.length);
        seen.push(...list.map((p) => p.identifier));
      }
      expect(sizes).toEqual([2, 2, 1, 0]);
      expect(new Set(seen).size).toBe(5);
      expect([...seen].sort()).toEqual(Object.values(ids).sort());
    });

    it('ListRelatedProjectInfo defaults to the first page of 10', async () => {
      const res = await kiln.call(admin, { method: 'GET', url: '/v1/domain/project/related-page' });
      expectOk(res);
      expect(res.json().result.project_info_list).toHaveLength(5);
    });

    it('ListRelatedProjectInfo filters by search', async () => {
      const res = await kiln.call(admin, { method: 'GET', url: '/v1/domain/project/related-page?search=p3' });
      expectOk(res);
      expect(res.json().result.total).toBe(1);
      expect(res.json().result.project_info_list[0].name).toBe('p3');
    });

    it.each([
      ['page_no=0', /page_no/],
      ['page_no=-1', /page_no/],
      ['page_no=1e3', /page_no/],
      ['page_no=1.5', /page_no/],
      ['page_no=1&page_no=2', /page_no/],
      ['page_size=0', /page_size/],
      ['page_size=101', /page_size/],
      ['page_size=ten', /page_size/],
    ])(
      'ListRelatedProjectInfo answers %s with 400 CB.00060200 naming the parameter',
      async (query, field) => {
        const res = await kiln.call(admin, {
          method: 'GET',
          url: `/v1/domain/project/related-page?${query}`,
        });
        expectCodeArtsError(res, 400, 'CB.00060200', field);
      },
    );
  });

  describe('Jobs: create, read, change, disable, list and delete', () => {
    let kiln: TestKiln;
    let admin: string;
    let adminId: string;
    let projectId: string;
    const VIEWER: Credentials = { name: 'viewer', password: 'viewer-password-1', domain: 'default' };

    beforeAll(async () => {
      kiln = await createTestKiln({ store });
      admin = await tokenOf(kiln, ADMIN);
      adminId = (await kiln.call(admin, { method: 'GET', url: '/v1/kiln/users/me' })).json().result.id;
      projectId = await kiln.defaultProjectId();
      await createUser(kiln, admin, VIEWER.name, VIEWER.password);
      await setRole(kiln, admin, projectId, VIEWER.name, 'viewer');
    });
    afterAll(() => kiln?.close());

    /** A job document using most of the create body of the reference. */
    const richDoc = (name: string) =>
      jobBody(projectId, {
        job_name: name,
        auto_update_sub_module: 'false',
        flavor: '2u8g',
        host_type: 'devcloud',
        parameters: [
          {
            name: 'hudson.model.StringParameterDefinition',
            params: [
              { name: 'name', value: 'TARGET' },
              { name: 'defaultValue', value: 'release' },
              { name: 'description', value: 'what to build' },
            ],
          },
        ],
        timeout: { limit: '30', unit: 'MINUTES' },
        scms: [
          {
            url: 'https://example.com/repo.git',
            scm_type: 'git',
            branch: 'main',
            web_url: 'https://example.com/repo',
            is_auto_build: false,
            build_type: 'branch',
            depth: '1',
          },
        ],
        steps: [
          { module_id: 'kiln.shell', name: 'compile', properties: { command: 'make' }, enable: true },
          { module_id: 'kiln.shell', name: 'test', properties: { command: 'make test' }, version: '1' },
        ],
        triggers: [{ name: 'timer', parameters: [{ name: 'cron', value: '0 3 * * *' }] }],
      });

    it.each([
      ['CreateBuildJob', '/v3/jobs/create'],
      ['CreateNewJob', '/v1/job/create'],
    ])('%s answers 200 {result: {job_id}, error: null, status: "success"}', async (op, url) => {
      const res = await kiln.call(admin, {
        method: 'POST',
        url,
        payload: jobBody(projectId, { job_name: `made-by-${op}` }),
      });
      expectOk(res);
      expectShape(res.json(), SHAPES.jobIdResult);
      expect(res.json().status).toBe('success');
      expect(res.json().result.job_id).toMatch(ID32);
    });

    it.each([
      ['ListJobConfig', (id: string) => `/v3/jobs/${id}/query`],
      ['ShowJobConfig', (id: string) => `/v1/job/${id}/config`],
    ])('%s gives back the document the job was created with', async (op, url) => {
      const doc = richDoc(`config-${op}`);
      const id = await createJob(kiln, admin, projectId, doc);
      const res = await kiln.call(admin, { method: 'GET', url: url(id) });
      expectOk(res);
      expect(res.json()).toEqual({ result: doc, error: null, status: 'success' });
    });

    it.each([
      ['UpdateBuildJob', '/v3/jobs/update'],
      ['UpdateNewJob', '/v1/job/update'],
    ])('%s replaces the document and answers with the job id', async (op, url) => {
      const id = await createJob(kiln, admin, projectId, { job_name: `before-${op}` });
      const changed = jobBody(projectId, {
        job_name: `after-${op}`,
        steps: [{ module_id: 'kiln.shell', name: 'other', properties: { command: 'echo changed' } }],
      });
      const res = await kiln.call(admin, { method: 'POST', url, payload: { ...changed, job_id: id } });
      expectOk(res);
      expectShape(res.json(), SHAPES.jobIdResult);
      expect(res.json().result.job_id).toBe(id);
      const config = await kiln.call(admin, { method: 'GET', url: `/v3/jobs/${id}/query` });
      expect(config.json().result).toEqual(changed);
    });

    it('UpdateBuildJob keeps timeout and triggers, which its body cannot carry', async () => {
      const doc = richDoc('keeps-triggers');
      const id = await createJob(kiln, admin, projectId, doc);
      const { timeout: _t, triggers: _tr, ...updateDoc } = doc;
      const res = await kiln.call(admin, {
        method: 'POST',
        url: '/v3/jobs/update',
        payload: { ...updateDoc, job_id: id },
      });
      expectOk(res);
      const config = (await kiln.call(admin, { method: 'GET', url: `/v3/jobs/${id}/query` })).json().result;
      expect(config.timeout).toEqual(doc.timeout);
      expect(config.triggers).toEqual(doc.triggers);
    });

    it('UpdateBuildJob answers an unknown job with 404 CB.00060201 "job not found"', async () => {
      const res = await kiln.call(admin, {
        method: 'POST',
        url: '/v3/jobs/update',
        payload: { ...jobBody(projectId), job_id: 'f'.repeat(32) },
      });
      expectCodeArtsError(res, 404, 'CB.00060201', 'job not found');
    });

    it('UpdateBuildJob answers a malformed job_id with 400 CB.00060201 naming job_id', async () => {
      const res = await kiln.call(admin, {
        method: 'POST',
        url: '/v3/jobs/update',
        payload: { ...jobBody(projectId), job_id: 'NOT-A-JOB-ID' },
      });
      expectCodeArtsError(res, 400, 'CB.00060201', /job_id/);
    });

    it('UpdateBuildJob refuses to move a job to another project (400 naming project_id)', async () => {
      const id = await createJob(kiln, admin, projectId, { job_name: 'stays-home' });
      const elsewhere = await createProject(kiln, admin, 'elsewhere');
      const res = await kiln.call(admin, {
        method: 'POST',
        url: '/v3/jobs/update',
        payload: { ...jobBody(elsewhere, { job_name: 'stays-home' }), job_id: id },
      });
      expectCodeArtsError(res, 400, 'CB.00060200', /project_id/);
    });

    it('DeleteBuildJob answers {result: {job_id, project_id}, status} and the job is gone', async () => {
      const id = await createJob(kiln, admin, projectId, { job_name: 'delete-v3' });
      const res = await kiln.call(admin, { method: 'POST', url: `/v3/jobs/${id}/delete` });
      expectOk(res);
      expectShape(res.json(), SHAPES.deleteBuildJob);
      expect(res.json()).toEqual({ result: { job_id: id, project_id: projectId }, status: 'success' });
      expectCodeArtsError(
        await kiln.call(admin, { method: 'GET', url: `/v3/jobs/${id}/query` }),
        404,
        'CB.00060201',
        'job not found',
      );
      const list = await kiln.call(admin, { method: 'GET', url: `/v3/${projectId}/jobs?page_size=100` });
      expect(list.json().jobs.map((j: { id: string }) => j.id)).not.toContain(id);
      expectCodeArtsError(
        await kiln.call(admin, { method: 'POST', url: `/v3/jobs/${id}/delete` }),
        404,
        'CB.00060201',
        'job not found',
      );
    });

    it('DeleteTheJob (v1) answers {result: {job_id, project_id}, status, error: null} and the job is gone', async () => {
      const id = await createJob(kiln, admin, projectId, { job_name: 'delete-v1' });
      const res = await kiln.call(admin, { method: 'DELETE', url: `/v1/job/${id}/delete` });
      expectOk(res);
      expectShape(res.json(), SHAPES.deleteTheJob);
      expect(res.json()).toEqual({
        result: { job_id: id, project_id: projectId },
        status: 'success',
        error: null,
      });
      expectCodeArtsError(
        await kiln.call(admin, { method: 'GET', url: `/v1/job/${id}/config` }),
        404,
        'CB.00060201',
        'job not found',
      );
    });

    it('DisableBuildJob and EnableBuildJob answer {status: "success"} and the list shows the state', async () => {
      const id = await createJob(kiln, admin, projectId, { job_name: 'switchable' });
      const row = async () =>
        (await kiln.call(admin, { method: 'GET', url: `/v3/${projectId}/jobs?page_size=100` }))
          .json()
          .jobs.find((j: { id: string }) => j.id === id);

      const off = await kiln.call(admin, { method: 'POST', url: `/v3/jobs/${id}/disable` });
      expectOk(off);
      expect(off.json()).toEqual({ status: 'success' });
      expect(await row()).toMatchObject({ disabled: true, is_execute: false });

      const on = await kiln.call(admin, { method: 'POST', url: `/v3/jobs/${id}/recover` });
      expectOk(on);
      expect(on.json()).toEqual({ status: 'success' });
      expect(await row()).toMatchObject({ disabled: false, is_execute: true });
    });

    it('ShowJobListByProjectId lists jobs field for field: a job never built, and one with history', async () => {
      const project = await createProject(kiln, admin, 'listed');
      const fresh = await createJob(kiln, admin, project, { job_name: 'fresh' });
      const built = await createJob(kiln, admin, project, {
        job_name: 'built',
        scms: [
          {
            url: 'https://example.com/r.git',
            scm_type: 'github',
            web_url: 'https://example.com/r',
            repo_id: '42',
          },
        ],
      });
      await importRecords(kiln, admin, built, [
        recordLine(1, { state: 'SUCCESS' }),
        recordLine(2, { state: 'FAILURE', build_time: 5000, cost_time: 6000 }),
      ]);
      const res = await kiln.call(admin, {
        method: 'GET',
        url: `/v3/${project}/jobs?page_index=0&page_size=10`,
      });
      expectOk(res);
      const body = res.json();
      expectShape(body, { jobs: [SHAPES.jobListItem], total: 'integer' });
      expect(body.total).toBe(2);
      const byName = Object.fromEntries(body.jobs.map((j: { job_name: string }) => [j.job_name, j]));
      expect(byName.fresh).toMatchObject({
        id: fresh,
        job_creator: adminId,
        user_name: 'admin',
        last_build_time: 0,
        health_score: 100,
        last_build_status: 'notbuilt',
        disabled: false,
        is_view: true,
        is_modify: true,
        is_delete: true,
        is_execute: true,
        scm_type: 'git',
      });
      expect(byName.built).toMatchObject({
        id: built,
        last_build_time: 1_700_000_000_000 + 2 * 60_000,
        health_score: 50,
        last_build_status: 'red',
        is_finished: true,
        last_build_user: 'admin',
        trigger_type: 'Manual',
        build_time: 5000,
        scm_type: 'github',
        scm_web_url: 'https://example.com/r',
        repo_id: '42',
        last_job_running_status: 'Finished',
      });
    });

    it("ShowJobListByProjectId sets the permission flags from the caller's role", async () => {
      const res = await kiln.call(await tokenOf(kiln, VIEWER), {
        method: 'GET',
        url: `/v3/${projectId}/jobs`,
      });
      expectOk(res);
      expect(res.json().jobs.length).toBeGreaterThan(0);
      for (const job of res.json().jobs) {
        expect(job).toMatchObject({ is_view: true, is_modify: false, is_delete: false, is_execute: false });
      }
    });

    it('ShowJobListByProjectId pages with a 0-based page_index', async () => {
      const project = await createProject(kiln, admin, 'paged');
      const made = [];
      for (const name of ['a', 'b', 'c'])
        made.push(await createJob(kiln, admin, project, { job_name: name }));
      const page = async (index: number) =>
        (
          await kiln.call(admin, {
            method: 'GET',
            url: `/v3/${project}/jobs?page_index=${index}&page_size=2`,
          })
        ).json();
      const [p0, p1, p2] = [await page(0), await page(1), await page(2)];
      expect([p0.total, p1.total, p2.total]).toEqual([3, 3, 3]);
      expect([p0.jobs.length, p1.jobs.length, p2.jobs.length]).toEqual([2, 1, 0]);
      const ids = [...p0.jobs, ...p1.jobs].map((j: { id: string }) => j.id);
      expect(ids.sort()).toEqual(made.sort());
    });

    it.each([
      'page_size=101',
      'page_size=-1',
      'page_index=-1',
      'page_index=1e3',
      'page_index=0.5',
      'page_index=0&page_index=1',
    ])('ShowJobListByProjectId answers %s with 400 CB.00060200', async (query) => {
      const res = await kiln.call(admin, { method: 'GET', url: `/v3/${projectId}/jobs?${query}` });
      expectCodeArtsError(res, 400, 'CB.00060200', new RegExp(query.split('=')[0] as string));
    });

    it('ListProjectJobs (v1) lists the same rows and filters by search', async () => {
      const project = await createProject(kiln, admin, 'searchable');
      const alpha1 = await createJob(kiln, admin, project, { job_name: 'alpha-one' });
      const alpha2 = await createJob(kiln, admin, project, { job_name: 'alpha-two' });
      await createJob(kiln, admin, project, { job_name: 'beta' });

      const all = await kiln.call(admin, {
        method: 'GET',
        url: `/v1/job/${project}/list?page_index=0&page_size=10`,
      });
      expectOk(all);
      expectShape(all.json(), { jobs: [SHAPES.jobListItem], total: 'integer' });
      expect(all.json().total).toBe(3);
      const v3 = await kiln.call(admin, {
        method: 'GET',
        url: `/v3/${project}/jobs?page_index=0&page_size=10`,
      });
      expect(all.json()).toEqual(v3.json());

      const found = await kiln.call(admin, {
        method: 'GET',
        url: `/v1/job/${project}/list?page_index=0&page_size=10&search=alpha`,
      });
      expectOk(found);
      expect(found.json().total).toBe(2);
      expect(
        found
          .json()
          .jobs.map((j: { id: string }) => j.id)
          .sort(),
      ).toEqual([alpha1, alpha2].sort());
    });

    it('answers a job in an unknown project with 404 CB.00060404', async () => {
      const res = await kiln.call(admin, {
        method: 'POST',
        url: '/v3/jobs/create',
        payload: jobBody('e'.repeat(32)),
      });
      expectCodeArtsError(res, 404, 'CB.00060404');
    });
  });

  describe('Jobs: validation of the job document', () => {
    let kiln: TestKiln;
    let admin: string;
    let projectId: string;
    let existing: string;

    beforeAll(async () => {
      kiln = await createTestKiln({ store });
      admin = await tokenOf(kiln, ADMIN);
      projectId = await kiln.defaultProjectId();
      existing = await createJob(kiln, admin, projectId, { job_name: 'existing' });
    });
    afterAll(() => kiln?.close());

    const step = (over: Record<string, unknown> = {}) => ({
      module_id: 'kiln.shell',
      name: 'say hello',
      properties: { command: 'echo hello' },
      ...over,
    });
    const without = (key: string) => (doc: Record<string, unknown>) => {
      const { [key]: _gone, ...rest } = doc;
      return rest;
    };
    const set = (over: Record<string, unknown>) => (doc: Record<string, unknown>) => ({ ...doc, ...over });

    /** [what is wrong, how to break a good document, what the message must name]. */
    const BAD: [string, (doc: Record<string, unknown>) => Record<string, unknown>, RegExp][] = [
      ['job_name missing', without('job_name'), /job_name/],
      ['arch missing', without('arch'), /arch/],
      ['steps missing', without('steps'), /steps/],
      ['project_id missing', without('project_id'), /project_id/],
      ['project_id not 32 chars of [0-9a-z]', set({ project_id: 'ABC' }), /project_id/],
      ['job_name empty', set({ job_name: '' }), /job_name/],
      ['job_name of 300 characters', set({ job_name: 'x'.repeat(300) }), /job_name/],
      ['job_name with a slash', set({ job_name: 'a/b' }), /job_name/],
      ['arch a number', set({ arch: 64 }), /arch/],
      ['steps empty', set({ steps: [] }), /steps/],
      ['steps not an array', set({ steps: 'make' }), /steps/],
      [
        'a step without a name',
        set({ steps: [{ module_id: 'kiln.shell', properties: { command: 'x' } }] }),
        /steps\[0\]\.name/,
      ],
      [
        'a step without module_id',
        set({ steps: [{ name: 'x', properties: { command: 'x' } }] }),
        /steps\[0\]\.module_id/,
      ],
      [
        'a shell step without a command',
        set({ steps: [step({ properties: {} })] }),
        /steps\[0\]\.properties\.command/,
      ],
      ['two steps with one name', set({ steps: [step(), step()] }), /steps\[1\]\.name/],
      [
        'scms[0].scm_type unknown',
        set({ scms: [{ url: 'https://e.com/r.git', scm_type: 'svn' }] }),
        /scms\[0\]\.scm_type/,
      ],
      ['scms[0].url empty', set({ scms: [{ url: '', scm_type: 'git' }] }), /scms\[0\]\.url/],
      [
        'scms[0].url an option',
        set({ scms: [{ url: '--upload-pack=evil', scm_type: 'git' }] }),
        /scms\[0\]\.url/,
      ],
      [
        'scms[0].branch with ..',
        set({ scms: [{ url: 'https://e.com/r.git', scm_type: 'git', branch: 'a..b' }] }),
        /scms\[0\]\.branch/,
      ],
      ['timeout.limit not a number', set({ timeout: { limit: 'soon', unit: 'MINUTES' } }), /timeout\.limit/],
      ['timeout.unit unknown', set({ timeout: { limit: '3', unit: 'WEEKS' } }), /timeout\.unit/],
      [
        'a timer with a bad cron',
        set({ triggers: [{ name: 'timer', parameters: [{ name: 'cron', value: 'every day' }] }] }),
        /triggers\[0\]/,
      ],
      [
        'a trigger of an unknown kind',
        set({ triggers: [{ name: 'bogus', parameters: [] }] }),
        /triggers\[0\]\.name/,
      ],
      [
        'a parameter Kiln sets itself',
        set({
          parameters: [
            { name: 'hudson.model.StringParameterDefinition', params: [{ name: 'name', value: 'PATH' }] },
          ],
        }),
        /parameters\[0\]/,
      ],
    ];

    describe.each([
      ['CreateBuildJob', '/v3/jobs/create', false],
      ['CreateNewJob', '/v1/job/create', false],
      ['UpdateBuildJob', '/v3/jobs/update', true],
    ] as const)('%s', (_op, url, isUpdate) => {
      it.each(BAD)('answers %s with 400 CB.00060200 naming the field', async (_label, breakDoc, field) => {
        const doc = breakDoc(jobBody(projectId, { job_name: isUpdate ? 'existing' : 'fresh-name' }));
        const res = await kiln.call(admin, {
          method: 'POST',
          url,
          payload: isUpdate ? { ...doc, job_id: existing } : doc,
        });
        expectCodeArtsError(res, 400, 'CB.00060200', field);
      });

      it('names an unknown module_id together with its step', async () => {
        const doc = jobBody(projectId, {
          job_name: isUpdate ? 'existing' : 'fresh-name',
          steps: [step(), step({ name: 'compile', module_id: 'devcloud2018.codeci_action_20043.action' })],
        });
        const res = await kiln.call(admin, {
          method: 'POST',
          url,
          payload: isUpdate ? { ...doc, job_id: existing } : doc,
        });
        const body = expectCodeArtsError(res, 400, 'CB.00060200', /steps\[1\]\.module_id/);
        expect(body.error_msg).toContain('compile');
        expect(body.error_msg).toContain('devcloud2018.codeci_action_20043.action');
      });

      it('answers a body that is a JSON array with 400 CB.00060200', async () => {
        const res = await kiln.call(admin, { method: 'POST', url, payload: [jobBody(projectId)] });
        expectCodeArtsError(res, 400, 'CB.00060200');
      });
    });

    it('leaves nothing behind after a refused create', async () => {
      const before = (await kiln.call(admin, { method: 'GET', url: `/v3/${projectId}/jobs` })).json().total;
      await kiln.call(admin, {
        method: 'POST',
        url: '/v3/jobs/create',
        payload: jobBody(projectId, { job_name: 'never', steps: [] }),
      });
      const after = (await kiln.call(admin, { method: 'GET', url: `/v3/${projectId}/jobs` })).json().total;
      expect(after).toBe(before);
    });

    it.each([
      ['CreateBuildJob', '/v3/jobs/create'],
      ['CreateNewJob', '/v1/job/create'],
    ])('%s answers a job name the project already has with 409 CB.00060409', async (_op, url) => {
      const res = await kiln.call(admin, {
        method: 'POST',
        url,
        payload: jobBody(projectId, { job_name: 'existing' }),
      });
      expectCodeArtsError(res, 409, 'CB.00060409', /existing/);
    });

    it('UpdateBuildJob answers a rename to a taken name with 409 CB.00060409', async () => {
      const other = await createJob(kiln, admin, projectId, { job_name: 'other' });
      const res = await kiln.call(admin, {
        method: 'POST',
        url: '/v3/jobs/update',
        payload: { ...jobBody(projectId, { job_name: 'existing' }), job_id: other },
      });
      expectCodeArtsError(res, 409, 'CB.00060409');
    });

    it('accepts the same job name in another project', async () => {
      const elsewhere = await createProject(kiln, admin, 'elsewhere');
      await createJob(kiln, admin, elsewhere, { job_name: 'existing' });
    });
  });

  describe('Kiln admin: users and passwords', () => {
    let kiln: TestKiln;
    let admin: string;
    let adminId: string;
    let domainId: string;

    beforeAll(async () => {
      kiln = await createTestKiln({ store });
      admin = await tokenOf(kiln, ADMIN);
      const me = (await kiln.call(admin, { method: 'GET', url: '/v1/kiln/users/me' })).json().result;
      adminId = me.id;
      domainId = me.domain_id;
    });
    afterAll(() => kiln?.close());

    it('CreateUser answers 201 with the user, field for field', async () => {
      const res = await kiln.call(admin, {
        method: 'POST',
        url: '/v1/kiln/users',
        payload: { name: 'carol', password: 'carol-password-1' },
      });
      expectOk(res, 201);
      expectShape(res.json(), envelope(SHAPES.user));
      expect(res.json().result).toMatchObject({
        domain_id: domainId,
        name: 'carol',
        display_name: 'carol',
        is_admin: false,
        disabled: false,
        created_at: kiln.clock.now(),
      });
      expect(res.json().result.id).toMatch(ID32);
      expect(res.body).not.toContain('carol-password-1');
    });

    it('CreateUser takes a display name and the admin flag', async () => {
      const res = await kiln.call(admin, {
        method: 'POST',
        url: '/v1/kiln/users',
        payload: { name: 'dave', password: 'dave-password-1', display_name: 'Dave D.', is_admin: true },
      });
      expectOk(res, 201);
      expect(res.json().result).toMatchObject({ display_name: 'Dave D.', is_admin: true });
    });

    it.each([
      ['a taken name', { name: 'admin', password: 'whatever-1' }, 409, 'CB.00060409', /admin/],
      ['a name with spaces', { name: 'bad name', password: 'whatever-1' }, 400, 'CB.00060200', /name/],
      ['a short password', { name: 'shorty', password: 'short' }, 400, 'CB.00060200', /password/],
      ['no password', { name: 'nopass' }, 400, 'CB.00060200', /password/],
    ] as const)('CreateUser answers %s with %i %s', async (_label, payload, status, code, field) => {
      const res = await kiln.call(admin, { method: 'POST', url: '/v1/kiln/users', payload });
      expectCodeArtsError(res, status, code, field);
    });

    it('ListUsers lists the domain users, field for field', async () => {
      await createUser(kiln, admin, 'listed', 'listed-password-1');
      const res = await kiln.call(admin, { method: 'GET', url: '/v1/kiln/users' });
      expectOk(res);
      expectShape(res.json(), envelope({ users: [SHAPES.user] }));
      const names = res.json().result.users.map((u: { name: string }) => u.name);
      expect(names).toEqual(expect.arrayContaining(['admin', 'listed']));
    });

    it('ShowCurrentUser shows the caller', async () => {
      const res = await kiln.call(admin, { method: 'GET', url: '/v1/kiln/users/me' });
      expectOk(res);
      expectShape(res.json(), envelope(SHAPES.user));
      expect(res.json().result).toMatchObject({
        id: adminId,
        name: 'admin',
        is_admin: true,
        disabled: false,
      });
    });

    it('refuses ListUsers, CreateUser, UpdateUser and SetUserPassword to a plain user with 403', async () => {
      await createUser(kiln, admin, 'plain', 'plain-password-1');
      const plain = await tokenOf(kiln, { name: 'plain', password: 'plain-password-1', domain: 'default' });
      for (const req of [
        { method: 'GET', url: '/v1/kiln/users' },
        { method: 'POST', url: '/v1/kiln/users', payload: { name: 'x1', password: 'x1-password-1' } },
        { method: 'PUT', url: '/v1/kiln/users/carol', payload: { display_name: 'C' } },
        { method: 'PUT', url: '/v1/kiln/users/carol/password', payload: { password: 'new-password-1' } },
      ] as const) {
        expectCodeArtsError(await kiln.call(plain, req), 403, 'CB.00060403');
      }
    });

    it('UpdateUser changes a user named by login name or by id', async () => {
      const id = await createUser(kiln, admin, 'erin', 'erin-password-1');
      const byName = await kiln.call(admin, {
        method: 'PUT',
        url: '/v1/kiln/users/erin',
        payload: { display_name: 'Erin E.' },
      });
      expectOk(byName);
      expectShape(byName.json(), envelope(SHAPES.user));
      expect(byName.json().result).toMatchObject({ id, display_name: 'Erin E.' });
      const byId = await kiln.call(admin, {
        method: 'PUT',
        url: `/v1/kiln/users/${id}`,
        payload: { display_name: 'Erin' },
      });
      expectOk(byId);
      expect(byId.json().result.display_name).toBe('Erin');
    });

    it('UpdateUser answers an unknown user with 404 CB.00060404', async () => {
      const res = await kiln.call(admin, {
        method: 'PUT',
        url: '/v1/kiln/users/nobody',
        payload: { display_name: 'N' },
      });
      expectCodeArtsError(res, 404, 'CB.00060404');
    });

    it('disabling a user kills their tokens and sign-in; enabling lets them sign in again, old tokens stay dead', async () => {
      const who: Credentials = { name: 'frank', password: 'frank-password-1', domain: 'default' };
      await createUser(kiln, admin, who.name, who.password);
      const old = await tokenOf(kiln, who);
      const off = await kiln.call(admin, {
        method: 'PUT',
        url: '/v1/kiln/users/frank',
        payload: { disabled: true },
      });
      expectOk(off);
      expect(off.json().result.disabled).toBe(true);
      expectCodeArtsError(
        await kiln.call(old, { method: 'GET', url: '/v1/kiln/users/me' }),
        401,
        'APIGW.0301',
      );
      expectKeystoneError(await signIn(kiln, who), 401);

      const on = await kiln.call(admin, {
        method: 'PUT',
        url: '/v1/kiln/users/frank',
        payload: { disabled: false },
      });
      expectOk(on);
      expect(on.json().result.disabled).toBe(false);
      const fresh = await tokenOf(kiln, who);
      expectOk(await kiln.call(fresh, { method: 'GET', url: '/v1/kiln/users/me' }));
      expectCodeArtsError(
        await kiln.call(old, { method: 'GET', url: '/v1/kiln/users/me' }),
        401,
        'APIGW.0301',
      );
    });

    it('does not let an admin disable themselves (400)', async () => {
      const res = await kiln.call(admin, {
        method: 'PUT',
        url: '/v1/kiln/users/admin',
        payload: { disabled: true },
      });
      expectCodeArtsError(res, 400, 'CB.00060200');
      expectOk(await kiln.call(admin, { method: 'GET', url: '/v1/kiln/users/me' }));
    });

    it('making a user an administrator takes effect on their current token', async () => {
      const who: Credentials = { name: 'gina', password: 'gina-password-1', domain: 'default' };
      await createUser(kiln, admin, who.name, who.password);
      const token = await tokenOf(kiln, who);
      const create = {
        method: 'POST',
        url: '/v1/kiln/users',
        payload: { name: 'by-gina', password: 'by-gina-password' },
      } as const;
      expectCodeArtsError(await kiln.call(token, create), 403, 'CB.00060403');
      expectOk(
        await kiln.call(admin, { method: 'PUT', url: '/v1/kiln/users/gina', payload: { is_admin: true } }),
      );
      expectOk(await kiln.call(token, create), 201);
    });

    it('SetUserPassword answers {status: "success"}, kills the old tokens and the old password', async () => {
      const who: Credentials = { name: 'hank', password: 'hank-password-1', domain: 'default' };
      await createUser(kiln, admin, who.name, who.password);
      const old = await tokenOf(kiln, who);
      const res = await kiln.call(admin, {
        method: 'PUT',
        url: '/v1/kiln/users/hank/password',
        payload: { password: 'hank-password-2' },
      });
      expectOk(res);
      expect(res.json()).toEqual({ status: 'success' });
      expectCodeArtsError(
        await kiln.call(old, { method: 'GET', url: '/v1/kiln/users/me' }),
        401,
        'APIGW.0301',
      );
      expectKeystoneError(await signIn(kiln, who), 401);
      await tokenOf(kiln, { ...who, password: 'hank-password-2' });
      // The administrator's own tokens are not touched.
      expectOk(await kiln.call(admin, { method: 'GET', url: '/v1/kiln/users/me' }));
    });

    it('SetUserPassword answers a short password with 400 naming password, and leaves the old one', async () => {
      const who: Credentials = { name: 'ivy', password: 'ivy-password-1', domain: 'default' };
      await createUser(kiln, admin, who.name, who.password);
      const res = await kiln.call(admin, {
        method: 'PUT',
        url: '/v1/kiln/users/ivy/password',
        payload: { password: 'short' },
      });
      expectCodeArtsError(res, 400, 'CB.00060200', /password/);
      await tokenOf(kiln, who);
    });

    it('ChangeOwnPassword answers {status: "success"} and kills every token of the caller, the one used too', async () => {
      const who: Credentials = { name: 'jack', password: 'jack-password-1', domain: 'default' };
      await createUser(kiln, admin, who.name, who.password);
      const used = await tokenOf(kiln, who);
      const other = await tokenOf(kiln, who, 'domain');
      const res = await kiln.call(used, {
        method: 'POST',
        url: '/v1/kiln/users/me/password',
        payload: { old_password: who.password, new_password: 'jack-password-2' },
      });
      expectOk(res);
      expect(res.json()).toEqual({ status: 'success' });
      for (const t of [used, other]) {
        expectCodeArtsError(
          await kiln.call(t, { method: 'GET', url: '/v1/kiln/users/me' }),
          401,
          'APIGW.0301',
        );
      }
      expectKeystoneError(await signIn(kiln, who), 401);
      await tokenOf(kiln, { ...who, password: 'jack-password-2' });
      expectOk(await kiln.call(admin, { method: 'GET', url: '/v1/kiln/users/me' }));
    });

    it.each([
      [
        'a wrong old password',
        { old_password: 'not-it-at-all', new_password: 'kate-password-2' },
        /old_password/,
      ],
      ['a short new password', { old_password: 'kate-password-1', new_password: 'short' }, /new_password/],
      ['no old password', { new_password: 'kate-password-2' }, /old_password/],
    ])(
      'ChangeOwnPassword answers %s with 400 naming the field, and the token lives on',
      async (_label, payload, field) => {
        const who: Credentials = { name: 'kate', password: 'kate-password-1', domain: 'default' };
        const exists = await kiln.call(admin, { method: 'GET', url: '/v1/kiln/users' });
        if (!exists.json().result.users.some((u: { name: string }) => u.name === 'kate'))
          await createUser(kiln, admin, who.name, who.password);
        const token = await tokenOf(kiln, who);
        const res = await kiln.call(token, { method: 'POST', url: '/v1/kiln/users/me/password', payload });
        expectCodeArtsError(res, 400, 'CB.00060200', field);
        expectOk(await kiln.call(token, { method: 'GET', url: '/v1/kiln/users/me' }));
      },
    );
  });

  describe('Kiln admin: projects, members and roles', () => {
    let kiln: TestKiln;
    let admin: string;
    let adminId: string;
    const DANA: Credentials = { name: 'dana', password: 'dana-password-1', domain: 'default' };
    const BOSS: Credentials = { name: 'boss', password: 'boss-password-1', domain: 'default' };

    beforeAll(async () => {
      kiln = await createTestKiln({ store });
      admin = await tokenOf(kiln, ADMIN);
      adminId = (await kiln.call(admin, { method: 'GET', url: '/v1/kiln/users/me' })).json().result.id;
      await createUser(kiln, admin, DANA.name, DANA.password);
      await createUser(kiln, admin, BOSS.name, BOSS.password, { is_admin: true });
    });
    afterAll(() => kiln?.close());

    it('CreateProject answers 201 with the project, and the creator becomes its owner', async () => {
      const res = await kiln.call(admin, {
        method: 'POST',
        url: '/v1/kiln/projects',
        payload: { name: 'shop', description: 'the web shop' },
      });
      expectOk(res, 201);
      expectShape(res.json(), envelope(SHAPES.project));
      const project = res.json().result;
      expect(project).toMatchObject({
        name: 'shop',
        description: 'the web shop',
        creator_id: adminId,
        created_at: kiln.clock.now(),
      });
      expect(project.id).toMatch(ID32);
      const members = await kiln.call(admin, {
        method: 'GET',
        url: `/v1/kiln/projects/${project.id}/members`,
      });
      expectOk(members);
      expectShape(members.json(), envelope({ members: [SHAPES.member] }));
      expect(members.json().result.members).toEqual([
        { user_id: adminId, user_name: 'admin', display_name: 'admin', role: 'owner' },
      ]);
    });

    it('CreateProject defaults the description to ""', async () => {
      const res = await kiln.call(admin, {
        method: 'POST',
        url: '/v1/kiln/projects',
        payload: { name: 'bare' },
      });
      expectOk(res, 201);
      expect(res.json().result.description).toBe('');
    });

    it.each([
      ['a taken name', { name: 'default' }, 409, 'CB.00060409'],
      ['an empty name', { name: '' }, 400, 'CB.00060200'],
      ['a blank name', { name: '   ' }, 400, 'CB.00060200'],
      ['no name', {}, 400, 'CB.00060200'],
    ] as const)('CreateProject answers %s with %i %s', async (_label, payload, status, code) => {
      const res = await kiln.call(admin, { method: 'POST', url: '/v1/kiln/projects', payload });
      expectCodeArtsError(res, status, code);
    });

    it('CreateProject is for domain administrators only (403)', async () => {
      const res = await kiln.call(await tokenOf(kiln, DANA), {
        method: 'POST',
        url: '/v1/kiln/projects',
        payload: { name: 'mine' },
      });
      expectCodeArtsError(res, 403, 'CB.00060403');
    });

    it('SetMember answers with the membership, field for field', async () => {
      const project = await createProject(kiln, admin, 'members-shape');
      const res = await kiln.call(admin, {
        method: 'PUT',
        url: `/v1/kiln/projects/${project}/members/dana`,
        payload: { role: 'developer' },
      });
      expectOk(res);
      expectShape(res.json(), envelope(SHAPES.member));
      expect(res.json().result).toMatchObject({ user_name: 'dana', display_name: 'dana', role: 'developer' });
    });

    it.each([
      ['an unknown role', 'dana', { role: 'king' }, 400, 'CB.00060200', /role/],
      ['an unknown user', 'nobody', { role: 'viewer' }, 404, 'CB.00060404', undefined],
      ['no role', 'dana', {}, 400, 'CB.00060200', /role/],
    ] as const)('SetMember answers %s with %i %s', async (_label, user, payload, status, code, message) => {
      const project = await kiln.defaultProjectId();
      const res = await kiln.call(admin, {
        method: 'PUT',
        url: `/v1/kiln/projects/${project}/members/${user}`,
        payload,
      });
      expectCodeArtsError(res, status, code, message);
    });

    it('RemoveMember answers a user who is not a member with 404 CB.00060404', async () => {
      const project = await createProject(kiln, admin, 'nobody-here');
      const res = await kiln.call(admin, {
        method: 'DELETE',
        url: `/v1/kiln/projects/${project}/members/dana`,
      });
      expectCodeArtsError(res, 404, 'CB.00060404');
    });

    it('role changes take effect on the same token: none -> viewer -> developer -> owner -> removed', async () => {
      const project = await createProject(kiln, admin, 'ladder');
      const dana = await tokenOf(kiln, DANA);
      const list = { method: 'GET', url: `/v3/${project}/jobs` } as const;
      const create = (name: string) =>
        ({ method: 'POST', url: '/v3/jobs/create', payload: jobBody(project, { job_name: name }) }) as const;
      const manage = {
        method: 'PUT',
        url: `/v1/kiln/projects/${project}/members/boss`,
        payload: { role: 'viewer' },
      } as const;
      const related = async () =>
        (await kiln.call(dana, { method: 'GET', url: '/v1/domain/project/related' }))
          .json()
          .result.project_info_list.map((p: { identifier: string }) => p.identifier);

      // Not a member: the project does not exist for her.
      expectCodeArtsError(await kiln.call(dana, list), 404, 'CB.00060404');
      expect(await related()).not.toContain(project);

      await setRole(kiln, admin, project, 'dana', 'viewer');
      expectOk(await kiln.call(dana, list));
      expect(await related()).toContain(project);
      expectCodeArtsError(await kiln.call(dana, create('by-viewer')), 403, 'CB.00060403');
      expectCodeArtsError(await kiln.call(dana, manage), 403, 'CB.00060403');

      await setRole(kiln, admin, project, 'dana', 'developer');
      expectOk(await kiln.call(dana, create('by-developer')));
      expectCodeArtsError(await kiln.call(dana, manage), 403, 'CB.00060403');

      await setRole(kiln, admin, project, 'dana', 'owner');
      expectOk(await kiln.call(dana, manage));

      const removed = await kiln.call(admin, {
        method: 'DELETE',
        url: `/v1/kiln/projects/${project}/members/dana`,
      });
      expectOk(removed);
      expect(removed.json()).toEqual({ status: 'success' });
      expectCodeArtsError(await kiln.call(dana, list), 404, 'CB.00060404');
      expect(await related()).not.toContain(project);
    });

    it('a developer can change and delete jobs but not manage members', async () => {
      const project = await createProject(kiln, admin, 'dev-rights');
      await setRole(kiln, admin, project, 'dana', 'developer');
      const dana = await tokenOf(kiln, DANA);
      const job = await createJob(kiln, admin, project, { job_name: 'theirs' });
      expectOk(await kiln.call(dana, { method: 'POST', url: `/v3/jobs/${job}/disable` }));
      expectOk(await kiln.call(dana, { method: 'POST', url: `/v3/jobs/${job}/recover` }));
      expectOk(
        await kiln.call(dana, {
          method: 'POST',
          url: '/v3/jobs/update',
          payload: { ...jobBody(project, { job_name: 'renamed' }), job_id: job },
        }),
      );
      expectOk(await kiln.call(dana, { method: 'POST', url: `/v3/jobs/${job}/delete` }));
      expectCodeArtsError(
        await kiln.call(dana, { method: 'DELETE', url: `/v1/kiln/projects/${project}/members/admin` }),
        403,
        'CB.00060403',
      );
    });

    it('a domain administrator acts as owner in every project of the domain without being a member', async () => {
      const project = await createProject(kiln, admin, 'not-boss-s');
      const boss = await tokenOf(kiln, BOSS);
      const members = await kiln.call(boss, { method: 'GET', url: `/v1/kiln/projects/${project}/members` });
      expectOk(members);
      expect(members.json().result.members.map((m: { user_name: string }) => m.user_name)).not.toContain(
        'boss',
      );
      expectOk(await kiln.call(boss, { method: 'GET', url: `/v3/${project}/jobs` }));
      expectOk(
        await kiln.call(boss, {
          method: 'POST',
          url: '/v3/jobs/create',
          payload: jobBody(project, { job_name: 'by-boss' }),
        }),
      );
      expectOk(
        await kiln.call(boss, {
          method: 'PUT',
          url: `/v1/kiln/projects/${project}/members/dana`,
          payload: { role: 'viewer' },
        }),
      );
      const related = await kiln.call(boss, { method: 'GET', url: '/v1/domain/project/related' });
      const entry = related
        .json()
        .result.project_info_list.find((p: { identifier: string }) => p.identifier === project);
      expect(entry).toMatchObject({ name: 'not-boss-s', is_creator: false });
    });
  });

  describe('Kiln admin: domains', () => {
    let kiln: TestKiln;
    let admin: string;

    beforeAll(async () => {
      kiln = await createTestKiln({ store });
      admin = await tokenOf(kiln, ADMIN);
    });
    afterAll(() => kiln?.close());

    it('CreateDomain answers 201 with the domain, and its administrator can sign in to it', async () => {
      const res = await kiln.call(admin, {
        method: 'POST',
        url: '/v1/kiln/domains',
        payload: { name: 'acme', admin_name: 'admin', admin_password: 'acme-password-1' },
      });
      expectOk(res, 201);
      expectShape(res.json(), envelope(SHAPES.domain));
      const domain = res.json().result;
      expect(domain.name).toBe('acme');
      for (const id of [domain.domain_id, domain.admin_user_id, domain.iam_project_id])
        expect(id).toMatch(ID32);

      // Same login name as the default admin: the domain tells them apart.
      const acme: Credentials = { name: 'admin', password: 'acme-password-1', domain: 'acme' };
      const signed = await signIn(kiln, acme);
      expectOk(signed, 201);
      expect(signed.json().token.user).toMatchObject({
        id: domain.admin_user_id,
        domain: { id: domain.domain_id, name: 'acme' },
      });
      expect(signed.json().token.project.id).toBe(domain.iam_project_id);

      const token = String(signed.headers['x-subject-token']);
      const me = await kiln.call(token, { method: 'GET', url: '/v1/kiln/users/me' });
      expect(me.json().result).toMatchObject({
        id: domain.admin_user_id,
        domain_id: domain.domain_id,
        is_admin: true,
      });
      const related = await kiln.call(token, { method: 'GET', url: '/v1/domain/project/related' });
      expectOk(related);
      expect(related.json().result.project_info_list.map((p: { name: string }) => p.name)).not.toContain(
        'default',
      );
      const users = await kiln.call(token, { method: 'GET', url: '/v1/kiln/users' });
      expect(users.json().result.users.map((u: { id: string }) => u.id)).toEqual([domain.admin_user_id]);
    });

    it.each([
      [
        'a taken name',
        { name: 'default', admin_name: 'root', admin_password: 'root-password-1' },
        409,
        'CB.00060409',
      ],
      [
        'a name with spaces',
        { name: 'bad name', admin_name: 'root', admin_password: 'root-password-1' },
        400,
        'CB.00060200',
      ],
      [
        'a short admin password',
        { name: 'tiny', admin_name: 'root', admin_password: 'short' },
        400,
        'CB.00060200',
      ],
      ['no admin name', { name: 'headless', admin_password: 'root-password-1' }, 400, 'CB.00060200'],
    ] as const)('CreateDomain answers %s with %i %s', async (_label, payload, status, code) => {
      const res = await kiln.call(admin, { method: 'POST', url: '/v1/kiln/domains', payload });
      expectCodeArtsError(res, status, code);
    });

    it('CreateDomain is for administrators of the default domain only (403)', async () => {
      await createUser(kiln, admin, 'pleb', 'pleb-password-1');
      const pleb = await tokenOf(kiln, { name: 'pleb', password: 'pleb-password-1', domain: 'default' });
      const res = await kiln.call(pleb, {
        method: 'POST',
        url: '/v1/kiln/domains',
        payload: { name: 'mine', admin_name: 'root', admin_password: 'root-password-1' },
      });
      expectCodeArtsError(res, 403, 'CB.00060403');
      await createDomain(kiln, admin, 'second', 'root', 'root-password-1');
      const root = await tokenOf(kiln, { name: 'root', password: 'root-password-1', domain: 'second' });
      const again = await kiln.call(root, {
        method: 'POST',
        url: '/v1/kiln/domains',
        payload: { name: 'third', admin_name: 'root', admin_password: 'root-password-1' },
      });
      expectCodeArtsError(again, 403, 'CB.00060403');
    });
  });
});
