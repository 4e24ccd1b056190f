import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestKiln, jobBody, type TestKiln } from '../helpers/app.ts';
import { ADMIN, expectCodeArtsError, tokenOf } from '../helpers/foundation.ts';

/**
 * What a request body that Kiln cannot take is answered with, whatever the operation: a 400 (or
 * 415) whose message says what is wrong with the body as sent.
 */

let kiln: TestKiln;
let admin: string;
let project: string;

beforeAll(async () => {
  kiln = await createTestKiln();
  admin = await tokenOf(kiln, ADMIN);
  project = await kiln.defaultProjectId();
});
afterAll(() => kiln?.close());

describe('text that is not Unicode (a lone UTF-16 surrogate, sent as a JSON escape)', () => {
  const LONE = /is not valid Unicode \(a lone surrogate\)/;

  it.each([
    [
      'CreateBuildJob job_name',
      'POST',
      '/v1/job/create',
      (s: string) => jobBody('', { job_name: s }),
      'job_name',
    ],
    ['CreateProject name', 'POST', '/v1/kiln/projects', (s: string) => ({ name: s }), 'name'],
    [
      'CreateTemplate name',
      'POST',
      '/v1/template/create',
      (s: string) => ({ name: s, template: {} }),
      'name',
    ],
    [
      'UpdateUser display_name',
      'PUT',
      '/v1/kiln/users/admin',
      (s: string) => ({ display_name: s }),
      'display_name',
    ],
    [
      'CreateAccessKey description',
      'POST',
      '/v1/kiln/access-keys',
      (s: string) => ({ description: s }),
      'description',
    ],
  ] as const)(
    'refuses it in %s: 400 CB.00060200 naming the field',
    async (_what, method, url, body, field) => {
      for (const text of ['sur\ud800x', 'sur\udfffx', '\udc00', 'x\ud83d']) {
        const res = await kiln.call(admin, { method, url, payload: body(text) });
        expectCodeArtsError(res, 400, 'CB.00060200', new RegExp(`body field '${field}' ${LONE.source}`));
      }
    },
  );

  it('refuses it in a job group name, deep in a job document, in a key and as the whole body', async () => {
    const cases: [string, string, unknown, RegExp][] = [
      ['POST', `/v1/job/${project}/group/create`, { name: 'g\ud800' }, /body field 'name'/],
      [
        'POST',
        '/v1/job/create',
        jobBody(project, {
          job_name: 'deep',
          steps: [{ module_id: 'kiln.shell', name: 's', properties: { command: 'echo \udbff' } }],
        }),
        /body field 'steps\[0\]\.properties\.command'/,
      ],
      ['POST', '/v1/kiln/access-keys', { ['k\udc00']: 1 }, /body field 'k\\udc00'/],
      ['POST', '/v1/kiln/access-keys', '"\\ud800"', /^the request body is not valid Unicode/],
    ];
    for (const [method, url, payload, message] of cases) {
      const res = await kiln.call(admin, {
        method: method as 'POST',
        url,
        headers: { 'content-type': 'application/json' },
        payload: typeof payload === 'string' ? payload : JSON.stringify(payload),
      });
      expectCodeArtsError(res, 400, 'CB.00060200', message);
      expect(res.json().error_msg).toMatch(LONE);
    }
  });

  it('keeps well-formed names as sent: U+FFFD and characters past U+FFFF are not lone surrogates', async () => {
    for (const name of ['sur\ufffd\ufffd\ufffdx', 'sur\ud83d\ude00x', 'sur\\ud800x']) {
      const created = await kiln.call(admin, {
        method: 'POST',
        url: '/v1/job/create',
        payload: jobBody(project, { job_name: name.replace('\\', '-') }),
      });
      expect(created.statusCode, created.body).toBe(200);
      const id = created.json().result.job_id as string;
      const info = await kiln.call(admin, { method: 'GET', url: `/v1/job/${id}/info` });
      expect(info.json().result.job_name).toBe(name.replace('\\', '-'));
    }
  });

  it('is checked before anything is stored, after authentication', async () => {
    const anonymous = await kiln.call(undefined, {
      method: 'POST',
      url: '/v1/job/create',
      payload: jobBody(project, { job_name: 'sur\ud800x' }),
    });
    expect(anonymous.statusCode).toBe(401);
    const list = await kiln.call(admin, { method: 'GET', url: '/v1/job/list' });
    expect(list.statusCode, list.body).toBe(200);
    expect(list.body).not.toMatch(/sur\\ud800x|sur\ufffdx/);
  });
});
