import type { InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { operations, type OperationId, type OperationSpec } from '../../src/contract/operations.ts';
import { createTestKiln, type TestKiln } from '../helpers/app.ts';
import {
  ADMIN,
  buildFixture,
  createDomain,
  createJob,
  createProject,
  createUser,
  expectCodeArtsError,
  expectOperationError,
  expectRequestId,
  onEveryStore,
  revoke,
  setRole,
  tokenOf,
  type Credentials,
  type Fixture,
} from '../helpers/foundation.ts';
import { RECIPES, successStatus, successStatuses, withToken, type Recipe } from '../helpers/recipes.ts';

/**
 * Who may call what, for every operation of the route table: each request is valid in shape, so
 * the only thing that differs between the cases is the caller.
 */

const DAY_MS = 24 * 3_600_000;
const ENTRIES = Object.entries(operations) as [OperationId, OperationSpec][];
const AUTHENTICATED = ENTRIES.filter(([, spec]) => spec.auth !== 'none');
const WITH_JOB_ID = AUTHENTICATED.filter(([, spec]) => spec.path.includes('{job_id}'));
const WITH_RECORD_ID = AUTHENTICATED.filter(([, spec]) => spec.path.includes('{record_id}'));
const WITH_PROJECT_ID = AUTHENTICATED.filter(([, spec]) => spec.path.includes('{project_id}'));
const WITH_BODY = AUTHENTICATED.filter(([, spec]) => spec.body !== undefined);

const VIEWER: Credentials = { name: 'viewer', password: 'viewer-password-1', domain: 'default' };
const ADMIN2: Credentials = { name: 'admin2', password: 'admin2-password-1', domain: 'default' };
const STRANGER: Credentials = { name: 'root', password: 'root-password-1', domain: 'other' };
const GONE: Credentials = { name: 'gone', password: 'gone-password-1', domain: 'default' };

/** A request with the bad query it is checked against (operations whose query can be wrong). */
const BAD_QUERY: Partial<Record<OperationId, string>> = {
  listBuildInfoRecord: 'end_time=2023-11-30%2023%3A59%3A59',
  listBuildInfoRecordByJobId: 'start_time=2023-11-01&end_time=2023-11-30',
  showJobSuccessRatio: 'start_time=2023-11-01%2000%3A00%3A00&end_time=2023-11-30',
  importBuildRecords: 'first_line=0',
  showListHistory: 'interval=31',
  showListPeriodHistory: 'start_time=2023-11-01',
  downloadRealTimeLog: 'offset=-1',
};

interface World extends Fixture {
  expiredToken: string;
  revokedToken: string;
  disabledToken: string;
  defaultDomainId: string;
  defaultAdminId: string;
  /** A job in a project the viewer is not a member of. */
  hiddenJobId: string;
}

async function buildWorld(kiln: TestKiln): Promise<World> {
  // Issued first, then the clock moves past its 24 h: every token issued after it is live.
  const expiredToken = await tokenOf(kiln, ADMIN);
  kiln.clock.advance(DAY_MS + 1000);

  const fx = await buildFixture(kiln, 'matrix-job');
  const { adminToken, projectId } = fx;
  await createUser(kiln, adminToken, VIEWER.name, VIEWER.password);
  await setRole(kiln, adminToken, projectId, VIEWER.name, 'viewer');
  await createUser(kiln, adminToken, ADMIN2.name, ADMIN2.password, { is_admin: true });

  await createUser(kiln, adminToken, GONE.name, GONE.password);
  await setRole(kiln, adminToken, projectId, GONE.name, 'developer');
  const disabledToken = await tokenOf(kiln, GONE);
  const disabled = await kiln.call(adminToken, {
    method: 'PUT',
    url: `/v1/kiln/users/${GONE.name}`,
    payload: { disabled: true },
  });
  expect(disabled.statusCode, disabled.body).toBe(200);

  const revokedToken = await tokenOf(kiln, ADMIN);
  await revoke(kiln, adminToken, revokedToken);

  const other = await createDomain(kiln, adminToken, STRANGER.domain, STRANGER.name, STRANGER.password);
  expect(other.domain_id).toMatch(/^[0-9a-z]{32}$/);

  const hiddenProject = await createProject(kiln, adminToken, 'hidden');
  const hiddenJobId = await createJob(kiln, adminToken, hiddenProject, { job_name: 'hidden-job' });

  const me = await kiln.call(adminToken, { method: 'GET', url: '/v1/kiln/users/me' });
  return {
    ...fx,
    expiredToken,
    revokedToken,
    disabledToken,
    defaultDomainId: me.json().result.domain_id,
    defaultAdminId: me.json().result.id,
    hiddenJobId,
  };
}

/** The recipe's request for `id`, sent by `caller` with `token`. */
async function send(w: World, id: OperationId, caller: Credentials, token: string | undefined) {
  const options: InjectOptions = await RECIPES[id].request(w, caller);
  return w.kiln.app.inject(withToken(options, token));
}

function withPath(options: InjectOptions, change: (path: string) => string): InjectOptions {
  const url = String(options.url);
  const q = url.indexOf('?');
  const path = q < 0 ? url : url.slice(0, q);
  return { ...options, url: change(path) + (q < 0 ? '' : url.slice(q)) };
}

function withQuery(options: InjectOptions, query: string): InjectOptions {
  const url = String(options.url);
  return { ...options, url: `${url.split('?')[0]}?${query}` };
}

onEveryStore((store) => {
  let kiln: TestKiln;
  let w: World;
  beforeAll(async () => {
    kiln = await createTestKiln({ store });
    w = await buildWorld(kiln);
  });
  afterAll(() => kiln?.close());

  describe('the route table', () => {
    it('has a request recipe for every operation, and no recipe for an operation it lacks', () => {
      expect(Object.keys(RECIPES).sort()).toEqual(Object.keys(operations).sort());
    });
  });

  describe.each(ENTRIES.filter(([, spec]) => spec.auth === 'none'))('%s (public)', (id) => {
    const tokens: [string, () => string | undefined][] = [
      ['no token', () => undefined],
      ['a garbage token', () => 'not-a-token'],
      ['an expired token', () => w.expiredToken],
      ['a revoked token', () => w.revokedToken],
      ['a disabled user token', () => w.disabledToken],
    ];
    it.each(tokens)('succeeds whatever X-Auth-Token says (%s)', async (_label, token) => {
      const res = await send(w, id, ADMIN, token());
      expect(successStatuses(id), res.body).toContain(res.statusCode);
      expectRequestId(res);
    });
  });

  describe.each(AUTHENTICATED)('%s', (id, spec) => {
    const recipe = RECIPES[id] as Recipe | undefined;
    if (!recipe) {
      it('has a request recipe in test/helpers/recipes.ts', () => {
        expect.fail(`add a recipe for ${id} to RECIPES`);
      });
      return;
    }

    it('answers 401 APIGW.0301 "x-auth-token not found" without a token', async () => {
      const res = await send(w, id, ADMIN, undefined);
      expectOperationError(id, res, 401, 'APIGW.0301', /x-auth-token not found/);
    });

    it('answers 401 APIGW.0301 to a token it never issued', async () => {
      const res = await send(w, id, ADMIN, 'kiln_thisTokenWasNeverIssuedByThisServer0000000');
      expectOperationError(id, res, 401, 'APIGW.0301', /decrypt token fail/);
    });

    it('answers 401 APIGW.0301 "token expires" to a token older than 24 h', async () => {
      const res = await send(w, id, ADMIN, w.expiredToken);
      expectOperationError(id, res, 401, 'APIGW.0301', /token expires/);
    });

    it('answers 401 APIGW.0301 to a revoked token, saying so', async () => {
      const res = await send(w, id, ADMIN, w.revokedToken);
      expectOperationError(id, res, 401, 'APIGW.0301', /revoked/);
    });

    it('answers 401 APIGW.0301 to a token of a user who was disabled', async () => {
      // The request itself names the admin's things (token operations check an admin token).
      const res = await send(w, id, ADMIN, w.disabledToken);
      expectOperationError(id, res, 401, 'APIGW.0301', /disabled|revoked/);
    });

    if (spec.auth === 'project') {
      it('refuses a domain-scoped token with 401 "global tenant tokens are not supported"', async () => {
        const token = await tokenOf(kiln, ADMIN2, 'domain');
        const res = await send(w, id, ADMIN2, token);
        expectOperationError(
          id,
          res,
          401,
          'APIGW.0301',
          /global tenant tokens are not supported; use a project-scoped token/,
        );
      });
    } else {
      it(`accepts a domain-scoped token (${successStatus(id)})`, async () => {
        const token = await tokenOf(kiln, ADMIN2, 'domain');
        const res = await send(w, id, ADMIN2, token);
        expect(res.statusCode, res.body).toBe(successStatus(id));
        expectRequestId(res);
      });
    }

    if (recipe.names === 'job') {
      it('tells a user of another domain 404 CB.00060201 "job not found"', async () => {
        const res = await send(w, id, STRANGER, await tokenOf(kiln, STRANGER));
        // The recycle bin's operations name the job (they take several), as do the records of a
        // build project, which may be a job or a project.
        expectCodeArtsError(
          res,
          404,
          'CB.00060201',
          /^job (?:[0-9a-z]{32} )?not found(?: in the recycle bin| \(nor a project you may see\))?$/,
        );
      });
    } else if (['project', 'user', 'record', 'domain'].includes(recipe.names)) {
      it(`tells a user of another domain 404 CB.00060404 (the ${recipe.names} is not theirs to see)`, async () => {
        const res = await send(w, id, STRANGER, await tokenOf(kiln, STRANGER));
        expectCodeArtsError(res, 404, 'CB.00060404');
      });
    } else if (recipe.names === 'credential') {
      it("tells a user of another domain 404 about a default-domain user's credential", async () => {
        // The token or key named is the default admin's; the caller is the other domain's admin.
        const res = await send(w, id, ADMIN, await tokenOf(kiln, STRANGER));
        expectOperationError(id, res, 404, 'CB.00060404');
      });
    } else if (recipe.needs === 'operator') {
      it('refuses an administrator of another domain with 403 (only default-domain admins may)', async () => {
        const res = await send(w, id, STRANGER, await tokenOf(kiln, STRANGER));
        expectCodeArtsError(res, 403, 'CB.00060403');
      });
    } else {
      it('serves a user of another domain without showing anything of the default domain', async () => {
        const res = await send(w, id, STRANGER, await tokenOf(kiln, STRANGER));
        expect(res.statusCode, res.body).toBe(successStatus(id));
        for (const secret of [w.defaultDomainId, w.defaultAdminId, w.projectId, w.spareUserId]) {
          expect(res.body).not.toContain(secret);
        }
      });
    }

    if (recipe.needs === 'read' || recipe.needs === 'self') {
      it(`serves a project viewer (${successStatus(id)})`, async () => {
        const res = await send(w, id, VIEWER, await tokenOf(kiln, VIEWER));
        expect(res.statusCode, res.body).toBe(successStatus(id));
        expectRequestId(res);
      });
    } else {
      it(`refuses a project viewer with 403 CB.00060403 (needs ${recipe.needs})`, async () => {
        const res = await send(w, id, VIEWER, await tokenOf(kiln, VIEWER));
        expectCodeArtsError(res, 403, 'CB.00060403');
      });
    }
  });

  describe('the order of checks', () => {
    it.each(AUTHENTICATED)(
      '%s: an unknown URL under it is 404 CB.00060214 even without a token',
      async (id) => {
        const options = await RECIPES[id].request(w, ADMIN);
        const res = await kiln.app.inject(
          withToken(
            // Two segments: one more could name something under it (an artifact of a build's list).
            withPath(options, (p) => `${p}/no-such-thing/at-all`),
            undefined,
          ),
        );
        expectCodeArtsError(res, 404, 'CB.00060214');
      },
    );

    it.each(WITH_BODY)('%s: a broken JSON body without a token is 401, not 400', async (id) => {
      const options = await RECIPES[id].request(w, ADMIN);
      const res = await kiln.app.inject({
        ...withToken(options, undefined),
        headers: { 'content-type': 'application/json' },
        payload: '{"broken": ',
      });
      expectOperationError(id, res, 401, 'APIGW.0301', /x-auth-token not found/);
    });

    it.each(WITH_BODY)('%s: a broken JSON body with a good token is 400', async (id) => {
      const options = await RECIPES[id].request(w, ADMIN);
      const res = await kiln.app.inject({
        ...withToken(options, w.adminToken),
        headers: { 'content-type': 'application/json', 'x-auth-token': w.adminToken },
        payload: '{"broken": ',
      });
      expectOperationError(id, res, 400, 'CB.00060200');
    });

    describe.each(WITH_JOB_ID)('%s', (id) => {
      const malformed = [
        'ABCDEF0123456789abcdef0123456789',
        'abc',
        'a'.repeat(33),
        '0123456789abcdef-0123456789abcde',
      ];

      it('checks the token before the job_id: a malformed job_id without a token is 401', async () => {
        const options = await RECIPES[id].request(w, ADMIN);
        const res = await kiln.app.inject(
          withToken(
            withPath(options, (p) => p.replace(w.jobId, 'abc')),
            undefined,
          ),
        );
        expectOperationError(id, res, 401, 'APIGW.0301', /x-auth-token not found/);
      });

      it.each(malformed)('answers a malformed job_id %j with 400 CB.00060201 naming job_id', async (bad) => {
        const options = await RECIPES[id].request(w, ADMIN);
        const res = await kiln.app.inject(
          withToken(
            withPath(options, (p) => p.replace(w.jobId, encodeURIComponent(bad))),
            w.adminToken,
          ),
        );
        expectCodeArtsError(res, 400, 'CB.00060201', /job_id/);
      });

      it('answers a well-formed job_id nobody created with 404 CB.00060201 "job not found"', async () => {
        const options = await RECIPES[id].request(w, ADMIN);
        const res = await kiln.app.inject(
          withToken(
            withPath(options, (p) => p.replace(w.jobId, 'f'.repeat(32))),
            w.adminToken,
          ),
        );
        expectCodeArtsError(res, 404, 'CB.00060201', 'job not found');
      });

      it('answers a job of a project the caller is no member of with the same 404, not 403', async () => {
        const options = await RECIPES[id].request(w, VIEWER);
        const res = await kiln.app.inject(
          withToken(
            withPath(options, (p) => p.replace(w.jobId, w.hiddenJobId)),
            await tokenOf(kiln, VIEWER),
          ),
        );
        expectCodeArtsError(res, 404, 'CB.00060201', 'job not found');
      });

      const badQuery = BAD_QUERY[id];
      if (badQuery) {
        it('checks the job_id shape before the query: both bad is 400 CB.00060201', async () => {
          const options = await RECIPES[id].request(w, ADMIN);
          const res = await kiln.app.inject(
            withToken(
              withQuery(
                withPath(options, (p) => p.replace(w.jobId, 'abc')),
                badQuery,
              ),
              w.adminToken,
            ),
          );
          expectCodeArtsError(res, 400, 'CB.00060201');
        });

        it('checks the query before visibility: a bad query on an unknown job is 400 CB.00060200', async () => {
          const options = await RECIPES[id].request(w, ADMIN);
          const res = await kiln.app.inject(
            withToken(
              withQuery(
                withPath(options, (p) => p.replace(w.jobId, 'f'.repeat(32))),
                badQuery,
              ),
              w.adminToken,
            ),
          );
          expectCodeArtsError(res, 400, 'CB.00060200');
        });

        it('checks the query before the permission: a viewer with a bad query gets 400, not 403', async () => {
          const options = await RECIPES[id].request(w, VIEWER);
          const res = await kiln.app.inject(
            withToken(withQuery(options, badQuery), await tokenOf(kiln, VIEWER)),
          );
          expectCodeArtsError(res, 400, 'CB.00060200');
        });
      }
    });

    describe.each(WITH_RECORD_ID)('%s', (id) => {
      it('checks the token before the record_id: a malformed one without a token is 401', async () => {
        const options = await RECIPES[id].request(w, ADMIN);
        const res = await kiln.app.inject(
          withToken(
            withPath(options, (p) => p.replace(w.recordId, 'nope')),
            undefined,
          ),
        );
        expectOperationError(id, res, 401, 'APIGW.0301', /x-auth-token not found/);
      });

      it('answers a malformed record_id with 400 CB.00060200 naming record_id', async () => {
        const options = await RECIPES[id].request(w, ADMIN);
        const res = await kiln.app.inject(
          withToken(
            withPath(options, (p) => p.replace(w.recordId, 'nope')),
            w.adminToken,
          ),
        );
        expectCodeArtsError(res, 400, 'CB.00060200', /record_id/);
      });

      it('answers a well-formed record_id of no build with 404 CB.00060404', async () => {
        const options = await RECIPES[id].request(w, ADMIN);
        const unknown = '00000000-0000-4000-8000-000000000000';
        const res = await kiln.app.inject(
          withToken(
            withPath(options, (p) => p.replace(w.recordId, unknown)),
            w.adminToken,
          ),
        );
        expectCodeArtsError(res, 404, 'CB.00060404');
      });
    });

    describe.each(WITH_PROJECT_ID)('%s', (id) => {
      it('checks the token before the project_id: a malformed one without a token is 401', async () => {
        const options = await RECIPES[id].request(w, ADMIN);
        const res = await kiln.app.inject(
          withToken(
            withPath(options, (p) => p.replace(w.projectId, 'NOT-A-PROJECT')),
            undefined,
          ),
        );
        expectOperationError(id, res, 401, 'APIGW.0301', /x-auth-token not found/);
      });

      it('answers a malformed project_id with 400 CB.00060200 naming project_id', async () => {
        const options = await RECIPES[id].request(w, ADMIN);
        const res = await kiln.app.inject(
          withToken(
            withPath(options, (p) => p.replace(w.projectId, 'NOT-A-PROJECT')),
            w.adminToken,
          ),
        );
        expectCodeArtsError(res, 400, 'CB.00060200', /project_id/);
      });

      it('answers a well-formed project_id nobody created with 404 CB.00060404', async () => {
        const options = await RECIPES[id].request(w, ADMIN);
        const res = await kiln.app.inject(
          withToken(
            withPath(options, (p) => p.replace(w.projectId, 'e'.repeat(32))),
            w.adminToken,
          ),
        );
        expectCodeArtsError(res, 404, 'CB.00060404');
      });
    });

    it('answers a bad build_no with 400 CB.00060200, and a malformed job_id first with CB.00060201', async () => {
      const bad = await kiln.call(w.adminToken, {
        method: 'GET',
        url: `/v1/record/${w.jobId}/0/build-info-record`,
      });
      expectCodeArtsError(bad, 400, 'CB.00060200', /build_no/);
      const both = await kiln.call(w.adminToken, {
        method: 'GET',
        url: '/v1/record/abc/x/build-info-record',
      });
      expectCodeArtsError(both, 400, 'CB.00060201');
    });
  });
});
