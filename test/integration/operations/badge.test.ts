import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestKiln, type TestKiln } from '../../helpers/app.ts';
import {
  ADMIN,
  createJob,
  createUser,
  importRecords,
  onEveryStore,
  recordLine,
  setRole,
  tokenOf,
} from '../../helpers/foundation.ts';
import { expectOk } from './common.ts';

/**
 * Kiln's status badge of a job (GET /v1/kiln/jobs/{job_id}/badge.svg): off until someone who may
 * manage the job's permissions turns it on (it is read without a token); then the outcome of the
 * newest build of the job's branch, or of ?branch=, with an ETag.
 */

onEveryStore((store) => {
  describe('the status badge', () => {
    let kiln: TestKiln;
    let admin: string;
    let developer: string;
    let jobId = '';

    const image = (query = '', headers: Record<string, string> = {}) =>
      kiln.call(undefined, { method: 'GET', url: `/v1/kiln/jobs/${jobId}/badge.svg${query}`, headers });
    const says = async (query = '') => {
      const res = await image(query);
      expectOk(res);
      return /aria-label="build: ([^"]+)"/.exec(res.body)?.[1];
    };
    const turn = (token: string, enabled: boolean) =>
      kiln.call(token, { method: 'PUT', url: `/v1/kiln/jobs/${jobId}/badge`, payload: { enabled } });

    beforeAll(async () => {
      kiln = await createTestKiln({ store });
      admin = await tokenOf(kiln, ADMIN);
      const project = await kiln.defaultProjectId();
      jobId = await createJob(kiln, admin, project, {
        job_name: 'badged',
        scms: [{ url: 'https://git.example.invalid/badged.git', scm_type: 'git', branch: 'main' }],
      });
      await createUser(kiln, admin, 'badge-dev', 'Badge-dev-pass-1');
      await setRole(kiln, admin, project, 'badge-dev', 'developer');
      developer = await tokenOf(kiln, { name: 'badge-dev', password: 'Badge-dev-pass-1', domain: 'default' });
    });
    afterAll(() => kiln?.close());

    it('is off until turned on, and then says so; a job that does not exist answers alike', async () => {
      const shown = await kiln.call(developer, { method: 'GET', url: `/v1/kiln/jobs/${jobId}/badge` });
      expectOk(shown);
      expect(shown.json().result).toEqual({ enabled: false, path: `/v1/kiln/jobs/${jobId}/badge.svg` });
      const off = await image();
      expect(off.statusCode).toBe(404);
      expect(off.json()).toMatchObject({ error_code: 'CB.00060404' });
      expect(off.json().error_msg).toMatch(/does not exist or its badge is off/);
      const none = await kiln.call(undefined, {
        method: 'GET',
        url: `/v1/kiln/jobs/${'0'.repeat(32)}/badge.svg`,
      });
      expect(none.statusCode).toBe(404);
      expect(none.json().error_msg).toBe(off.json().error_msg);
    });

    it('is turned on by those who may manage the job, not by a developer', async () => {
      const refused = await turn(developer, true);
      expect(refused.statusCode).toBe(403);
      expect((await image()).statusCode).toBe(404);
      const on = await turn(admin, true);
      expectOk(on);
      expect(on.json().result).toEqual({ enabled: true, path: `/v1/kiln/jobs/${jobId}/badge.svg` });
    });

    it('draws the newest build of the branch as an SVG, read again each time, 304 when unchanged', async () => {
      const empty = await image();
      expectOk(empty);
      expect(empty.headers['content-type']).toBe('image/svg+xml; charset=utf-8');
      expect(empty.headers['cache-control']).toBe('no-cache');
      expect(empty.body).toMatch(
        /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg" width="\d+" height="20" role="img"/,
      );
      expect(await says()).toBe('no builds');

      await importRecords(kiln, admin, jobId, [recordLine(1), recordLine(2, { state: 'FAILURE' })]);
      const failing = await image();
      expect(failing.body).toContain('aria-label="build: failing"');
      const etag = failing.headers.etag as string;
      expect(etag).toMatch(/^"[\w-]{22}"$/);
      const same = await image('', { 'if-none-match': etag });
      expect(same.statusCode).toBe(304);
      expect(same.body).toBe('');

      await importRecords(kiln, admin, jobId, [recordLine(3)]);
      const passing = await image('', { 'if-none-match': etag });
      expect(passing.statusCode).toBe(200);
      expect(passing.body).toContain('aria-label="build: passing"');
      expect(passing.headers.etag).not.toBe(etag);
    });

    it('takes another branch with ?branch=, and says timed out, aborted and running', async () => {
      await importRecords(kiln, admin, jobId, [
        recordLine(4, { code_branch: 'dev', state: 'timeout' }),
        recordLine(5, { code_branch: 'old', state: 'ABORTED' }),
      ]);
      expect(await says('?branch=dev')).toBe('timed out');
      expect(await says('?branch=old')).toBe('aborted');
      expect(await says('?branch=nothing-here')).toBe('no builds');
      expect(await says()).toBe('passing'); // main's newest is still build 3
      const bad = await image('?branch=');
      expect(bad.statusCode).toBe(400);

      // A build triggered (no runner here takes it): the branch's newest is running.
      const run = await kiln.call(admin, {
        method: 'POST',
        url: '/v3/jobs/build',
        payload: { job_id: jobId },
      });
      expectOk(run);
      expect(await says()).toBe('running');
    });

    it('is gone when turned off, and when the job goes to the recycle bin', async () => {
      expectOk(await turn(admin, false));
      expect((await image()).statusCode).toBe(404);
      expectOk(await turn(admin, true));
      expectOk(await image());
      const deleted = await kiln.call(admin, { method: 'POST', url: `/v3/jobs/${jobId}/delete` });
      expectOk(deleted);
      expect((await image()).statusCode).toBe(404);
    });
  });
});
