import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RUNNER_PATHS, runnerPath } from '../../src/protocol/runner-http.ts';
import { createTestKiln, jobBody, type TestKiln } from '../helpers/app.ts';
import { ADMIN, expectCodeArtsError, onEveryStore, recordLine, tokenOf } from '../helpers/foundation.ts';

/**
 * Values PostgreSQL refuses (a NUL, a lone surrogate) and JSON nested deeper than JSON.stringify
 * can write back, sent where the operation matrix (hostile-values-matrix.test.ts) does not reach:
 * a template's free-form step properties, the runner protocol, the push webhook, the history
 * import. Each is a 4xx naming what is wrong, never a 5xx, on either store.
 */

/** An array nested `depth` levels, as JSON text. */
const deep = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);

onEveryStore((store) => {
  describe('hostile values outside the operation matrix', () => {
    let kiln: TestKiln;
    let admin: string;
    let jobId: string;
    let runner: string;
    beforeAll(async () => {
      kiln = await createTestKiln({ store });
      admin = await tokenOf(kiln, ADMIN);
      const created = await kiln.call(admin, {
        method: 'POST',
        url: '/v3/jobs/create',
        payload: jobBody(await kiln.defaultProjectId(), { job_name: 'hostile' }),
      });
      expect(created.statusCode, created.body).toBe(200);
      jobId = created.json().result.job_id;
      const res = await kiln.call(admin, { method: 'POST', url: '/v1/kiln/runners', payload: { name: 'r' } });
      expect(res.statusCode, res.body).toBe(201);
      runner = res.json().result.token;
    });
    afterAll(() => kiln?.close());

    const json = (method: 'POST' | 'PUT', url: string, payload: string, token: string) =>
      kiln.app.inject({
        method,
        url,
        payload,
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      });

    it('a template whose step properties nest 5,000 deep: 400 saying how deep a body may be', async () => {
      const payload = `{"name":"t","template":{"steps":[{"module_id":"kiln.shell","name":"b","properties":{"command":${deep(5_000)}}}]}}`;
      for (const url of ['/v1/template/create', '/v3/templates/create']) {
        const res = await kiln.call(admin, {
          method: 'POST',
          url,
          payload,
          headers: { 'content-type': 'application/json' },
        });
        expectCodeArtsError(res, 400, 'CB.00060200', 'the request body is nested more than 64 levels deep');
      }
    });

    it('a job whose step properties nest 5,000 deep: 400 as well', async () => {
      const body = jobBody(await kiln.defaultProjectId(), { job_name: 'deep' });
      const text = JSON.stringify(body).replace('"steps":[{', `"steps":[{"extra":${deep(5_000)},`);
      const res = await kiln.call(admin, {
        method: 'POST',
        url: '/v3/jobs/create',
        payload: text,
        headers: { 'content-type': 'application/json' },
      });
      expectCodeArtsError(res, 400, 'CB.00060200', 'the request body is nested more than 64 levels deep');
    });

    it('runner announce and a leased build’s reports with a NUL, a lone surrogate, deep JSON: 400', async () => {
      const announce = (host: string) =>
        json('POST', RUNNER_PATHS.announce, `{"host":"${host}","tools":{}}`, runner);
      for (const host of ['a\\u0000b', 'a\\ud800b']) {
        const res = await announce(host);
        expectCodeArtsError(res, 400, 'CB.00060200', /body field 'host'/);
      }
      const tools = await json(
        'POST',
        RUNNER_PATHS.announce,
        `{"host":"h","tools":{"git":${deep(5_000)}}}`,
        runner,
      );
      expectCodeArtsError(tools, 400, 'CB.00060200', /nested more than 64 levels deep/);

      const run = await kiln.call(admin, {
        method: 'POST',
        url: '/v3/jobs/build',
        payload: { job_id: jobId },
      });
      expect(run.statusCode, run.body).toBe(200);
      const lease = await json('POST', RUNNER_PATHS.next, '{"wait_ms":2000}', runner);
      expect(lease.statusCode, lease.body).toBe(200);
      const record = lease.json().recordId as string;
      for (const bad of ['a\\u0000b', 'a\\udfffb']) {
        const started = await json(
          'POST',
          runnerPath(RUNNER_PATHS.started, record),
          `{"commitId":"${'a'.repeat(40)}","commitMessage":"${bad}","branch":"main","commitTime":null}`,
          runner,
        );
        expectCodeArtsError(started, 400, 'CB.00060200', /body field 'commitMessage'/);
        const steps = await json(
          'POST',
          runnerPath(RUNNER_PATHS.steps, record),
          `{"index":0,"status":"running","logOffset":0,"message":"${bad}"}`,
          runner,
        );
        expect(steps.statusCode, steps.body).toBe(400);
      }
      const artifact = await kiln.app.inject({
        method: 'PUT',
        url: `${runnerPath(RUNNER_PATHS.artifacts, record)}?name=a%00b&version=1&size=1&offset=0`,
        payload: Buffer.from('x'),
        headers: { 'content-type': 'application/octet-stream', authorization: `Bearer ${runner}` },
      });
      expectCodeArtsError(artifact, 400, 'CB.00060200', /query parameter 'name' holds a NUL/);
      // Offsets and sizes past what the store holds (int8), or no whole number at all.
      for (const n of ['9223372036854775808', '99999999999999999999', '1e400', '-1', '1.5']) {
        const raw = (url: string) =>
          kiln.app.inject({
            method: 'PUT',
            url,
            payload: Buffer.from('x'),
            headers: { 'content-type': 'application/octet-stream', authorization: `Bearer ${runner}` },
          });
        const log = await raw(`${runnerPath(RUNNER_PATHS.log, record)}?offset=${n}`);
        expect(log.statusCode, `log offset ${n}: ${log.body}`).toBeLessThan(500);
        for (const query of [`size=${n}&offset=0`, `size=1&offset=${n}`]) {
          const part = await raw(`${runnerPath(RUNNER_PATHS.artifacts, record)}?name=a&version=1&${query}`);
          expect(part.statusCode, `artifact ${query}: ${part.body}`).toBeLessThan(500);
        }
        for (const path of [RUNNER_PATHS.directArtifact, RUNNER_PATHS.commitDirectArtifact]) {
          const direct = await json(
            'POST',
            runnerPath(path, record),
            `{"name":"a","version":"1","size":${n},"key":"k","sha256":"${'0'.repeat(64)}"}`,
            runner,
          );
          expect(direct.statusCode, `${path} size ${n}: ${direct.body}`).toBeLessThan(500);
        }
      }
      const done = await json('POST', runnerPath(RUNNER_PATHS.done, record), '{"state":"SUCCESS"}', runner);
      expect(done.statusCode, done.body).toBeLessThan(500);
    });

    it('a signed push delivery with a NUL, a lone surrogate, deep JSON: never a 5xx', async () => {
      const hook = await kiln.call(admin, { method: 'GET', url: `/v1/kiln/jobs/${jobId}/webhook` });
      const secret = hook.json().result.secret as string;
      const push = (ref: string, extra = '') =>
        `{"ref":"${ref}","after":"${'b'.repeat(40)}","head_commit":{"id":"${'b'.repeat(40)}","message":"${ref}"}${extra}}`;
      for (const payload of [
        push('refs/heads/a\\u0000b'),
        push('refs/heads/a\\ud800b'),
        push('refs/heads/main', `,"repository":${deep(100_000)}`),
      ]) {
        const signature = createHmac('sha256', secret).update(payload).digest('hex');
        const res = await kiln.app.inject({
          method: 'POST',
          url: `/v1/kiln/webhooks/${jobId}`,
          payload,
          headers: {
            'content-type': 'application/json',
            'x-github-event': 'push',
            'x-hub-signature-256': `sha256=${signature}`,
          },
        });
        expect(res.statusCode, res.body).toBeLessThan(500);
        if (res.statusCode >= 400) expectCodeArtsError(res, res.statusCode, res.json().error_code);
      }
      const deliveries = await kiln.call(admin, {
        method: 'GET',
        url: `/v1/kiln/jobs/${jobId}/webhook/deliveries`,
      });
      expect(deliveries.statusCode, deliveries.body).toBeLessThan(500);
    });

    it('a history import line with each value made hostile: never a 5xx', async () => {
      const line = JSON.parse(recordLine(20)) as Record<string, unknown>;
      const faults: string[] = [];
      for (const [field, value] of Object.entries(line)) {
        const variants =
          typeof value === 'number'
            ? ['2147483648', '9223372036854775808', '-1', '1.5', '1e400', '"7"']
            : ['"a\\u0000b"', '"a\\ud800b"', JSON.stringify('x'.repeat(100_000)), '99999999999999999999'];
        for (const variant of variants) {
          const text = JSON.stringify({ ...line, [field]: '\u0001' }).replace('"\\u0001"', variant);
          const res = await kiln.call(admin, {
            method: 'POST',
            url: `/v1/kiln/jobs/${jobId}/import`,
            headers: { 'content-type': 'application/x-ndjson' },
            payload: `${text}\n`,
          });
          if (res.statusCode >= 500)
            faults.push(`${field}=${variant.slice(0, 24)}: ${res.body.slice(0, 200)}`);
        }
      }
      expect(faults).toEqual([]);
    });

    it('a history import line nested deep or with a lone surrogate: never a 5xx', async () => {
      for (const line of [
        recordLine(7).replace('{', `{"extra":${deep(100_000)},`),
        recordLine(8).replace('{', '{"extra":"a\\ud800b",'),
      ]) {
        const res = await kiln.call(admin, {
          method: 'POST',
          url: `/v1/kiln/jobs/${jobId}/import`,
          headers: { 'content-type': 'application/x-ndjson' },
          payload: `${line}\n`,
        });
        expect(res.statusCode, res.body.slice(0, 300)).toBeLessThan(500);
      }
    });
  });
});
