import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestKiln, jobBody, type TestKiln } from '../helpers/app.ts';
import { ADMIN, createJob, expectCodeArtsError, tokenOf } from '../helpers/foundation.ts';

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

describe('a body Kiln does not take is answered with what is wrong with it', () => {
  let job: string;
  beforeAll(async () => {
    job = await createJob(kiln, admin, project, { job_name: 'bodies' });
  });

  const send = (url: string, contentType: string, payload: string, method: 'POST' | 'PUT' = 'POST') =>
    kiln.call(admin, { method, url, headers: { 'content-type': contentType }, payload });

  it("says a key '__proto__' is not allowed (the JSON itself is valid), at any depth", async () => {
    for (const body of [`{"job_id":"${job}","__proto__":{}}`, `{"job_id":"${job}","a":[{"__proto__":1}]}`]) {
      expectCodeArtsError(
        await send('/v3/jobs/build', 'application/json', body),
        400,
        'CB.00060200',
        "the request body has a key '__proto__', which is not allowed",
      );
    }
    expectCodeArtsError(
      await send('/v3/jobs/build', 'application/json', `{"job_id":"${job}",`),
      400,
      'CB.00060200',
      'the request body is not valid JSON',
    );
    // A value that reads __proto__ is only text.
    const run = await send('/v3/jobs/build', 'application/json', `{"job_id":"${job}","x":"__proto__"}`);
    expect(run.statusCode, run.body).toBe(200);
  });

  it('says a body that must be a list is one, and how many items it must list', async () => {
    const brief = (payload: string) => send('/v1/record/brief?limit=1', 'application/json', payload);
    expectCodeArtsError(await brief('{"a":1}'), 400, 'CB.00060200', 'the request body must be a JSON array');
    expectCodeArtsError(await brief('"x"'), 400, 'CB.00060200', 'the request body must be a JSON array');
    expectCodeArtsError(
      await brief('[]'),
      400,
      'CB.00060200',
      'the request body must list at least one job id',
    );
    const many = JSON.stringify(Array.from({ length: 101 }, () => job));
    expectCodeArtsError(
      await brief(many),
      400,
      'CB.00060200',
      'the request body must list at most 100 job ids',
    );
    expectCodeArtsError(
      await send('/v3/jobs/build', 'application/json', '[1]'),
      400,
      'CB.00060200',
      'the request body must be a JSON object',
    );
    expect((await brief(JSON.stringify([job]))).statusCode).toBe(200);
  });

  it('answers JSON sent as text/plain with 415, as any other type it does not read', async () => {
    for (const type of ['text/plain', 'text/plain; charset=utf-8', 'application/xml']) {
      expectCodeArtsError(
        await send('/v3/jobs/build', type, JSON.stringify({ job_id: job })),
        415,
        'CB.00060200',
        'unsupported Content-Type; send application/json',
      );
    }
    // No operation at that URL: the 404 comes first, whatever the body.
    expectCodeArtsError(await send('/v3/nothing/here', 'text/plain', 'x'), 404, 'CB.00060214');
  });

  it('answers a JSON operation sent a stream type (NDJSON, octet-stream) with 415, acting on nothing', async () => {
    const keys = async () =>
      (await kiln.call(admin, { method: 'GET', url: '/v1/kiln/access-keys' })).json().result.keys.length;
    const before = await keys();
    for (const type of ['application/x-ndjson', 'application/jsonl', 'application/octet-stream']) {
      // An operation whose body has no required field used to act on the unread stream as on {}.
      expectCodeArtsError(
        await send('/v1/kiln/access-keys', type, JSON.stringify({ description: 'sent as a stream' })),
        415,
        'CB.00060200',
        'unsupported Content-Type; send application/json',
      );
      // One with required fields said the field sent was missing.
      expectCodeArtsError(
        await send('/v3/jobs/build', type, JSON.stringify({ job_id: job })),
        415,
        'CB.00060200',
        'unsupported Content-Type; send application/json',
      );
    }
    expect(await keys()).toBe(before);
    // No operation at that URL: the 404 comes first, whatever the body.
    expectCodeArtsError(await send('/v3/nothing/here', 'application/x-ndjson', '{}'), 404, 'CB.00060214');
  });

  it('answers the import sent as JSON with 415 naming NDJSON, importing nothing', async () => {
    const latest = async () => (await kiln.storage.builds.latest(job))?.number ?? 0;
    const before = await latest();
    const line = JSON.stringify({ build_no: String(before + 1), status: 'SUCCESS' });
    expectCodeArtsError(
      await send(`/v1/kiln/jobs/${job}/import`, 'application/json', `[${line}]`),
      415,
      'CB.00060200',
      'unsupported Content-Type; send application/x-ndjson',
    );
    expect(await latest()).toBe(before);
  });

  it('names the values a field may take when it is none of them', async () => {
    const created = await send('/v1/kiln/access-keys', 'application/json', '{}');
    expect(created.statusCode, created.body).toBe(201);
    const ak = created.json().result.key.ak as string;
    for (const status of ['"paused"', '1', 'null']) {
      expectCodeArtsError(
        await send(`/v1/kiln/access-keys/${ak}`, 'application/json', `{"status":${status}}`, 'PUT'),
        400,
        'CB.00060200',
        "body field 'status' must be one of active, disabled",
      );
    }
    for (const value of ['yes', '1', '']) {
      expectCodeArtsError(
        await kiln.call(admin, { method: 'GET', url: `/v1/kiln/inbox?unread_only=${value}` }),
        400,
        'CB.00060200',
        "query parameter 'unread_only' must be one of true, false",
      );
    }
  });

  it('names multipart/form-data in the 415 of the operation that takes a form', async () => {
    for (const type of ['application/x-www-form-urlencoded', 'text/plain', 'application/xml']) {
      expectCodeArtsError(
        await send('/v2/keystore/upload', type, 'file=x&privacy=private'),
        415,
        'CB.00060200',
        'unsupported Content-Type; send multipart/form-data',
      );
    }
  });
});
