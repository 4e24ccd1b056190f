import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OperationId } from '../../src/contract/operations.ts';
import { ERROR_TABLE } from '../../src/server/error-table.ts';
import { createTestKiln, jobBody, type TestKiln } from '../helpers/app.ts';
import {
  buildFixture,
  createJob,
  createUser,
  expectCodeArtsError,
  expectKeystoneError,
  expectNoLeak,
  importRecords,
  recordLine,
  setRole,
  tokenOf,
  type Credentials,
  type Fixture,
} from '../helpers/foundation.ts';
import { RECIPES, withToken } from '../helpers/recipes.ts';

/**
 * Random paths, query strings, headers and bodies thrown at the server with a valid token: never a
 * 5xx, and every error is answered in the right body (Keystone for the IAM operations, CodeArts for
 * everything else) with an X-Request-Id.
 */

const FUZZER: Credentials = { name: 'fuzzer', password: 'fuzzer-password-1', domain: 'default' };
const CATALOGUE_CODES = new Set(Object.values(ERROR_TABLE).map((e) => e.errorCode));
const IAM_METHODS = ['GET', 'POST', 'DELETE', 'HEAD'];
const RUNS = {
  paths: 120,
  queries: 80,
  pageSize: 50,
  headers: 50,
  bodies: 80,
  documents: 50,
  imports: 40,
  notJson: 40,
};

/** True when the server should answer in Keystone's body: the request reached an IAM operation. */
function isIamOperation(method: string, url: string): boolean {
  let path: string;
  try {
    path = new URL(url, 'http://kiln.test').pathname;
  } catch {
    return false;
  }
  return path.replace(/\/+$/, '') === '/v3/auth/tokens' && IAM_METHODS.includes(method);
}

/** The one property every answer has. */
function expectWellFormed(method: string, url: string, res: LightMyRequestResponse): void {
  const what = `${method} ${url.slice(0, 200)} -> ${res.statusCode} ${res.body.slice(0, 300)}`;
  expect(res.statusCode, what).toBeLessThan(500);
  expect(typeof res.headers['x-request-id'], `X-Request-Id on ${what}`).toBe('string');
  if (res.statusCode < 400 || method === 'HEAD') return;
  expect(String(res.headers['content-type']), what).toMatch(/^application\/json/);
  const body = JSON.parse(res.body) as Record<string, unknown>;
  if (isIamOperation(method, url)) {
    expect(Object.keys(body), what).toEqual(['error']);
    const error = body.error as Record<string, unknown>;
    expect(Object.keys(error).sort(), what).toEqual(['code', 'message', 'title']);
    expect(error.code, what).toBe(res.statusCode);
    expect(typeof error.message === 'string' && error.message.length > 0, what).toBe(true);
    expect(typeof error.title, what).toBe('string');
    expectNoLeak(error.message as string);
  } else {
    expect(Object.keys(body).sort(), what).toEqual(['error_code', 'error_msg']);
    expect(CATALOGUE_CODES.has(body.error_code as string), `catalogue code in ${what}`).toBe(true);
    expect(typeof body.error_msg === 'string' && body.error_msg.length > 0, what).toBe(true);
    expectNoLeak(body.error_msg as string);
  }
}

/** Operations a random request may hit without spoiling the fixture (no deletes, no password changes). */
const HARMLESS: OperationId[] = [
  'keystoneCreateUserTokenByPassword',
  'keystoneValidateToken',
  'showRelatedProject',
  'listRelatedProjectInfo',
  'createBuildJob',
  'createNewJob',
  'updateBuildJob',
  'updateNewJob',
  'listJobConfig',
  'showJobConfig',
  'enableBuildJob',
  'showJobListByProjectId',
  'listProjectJobs',
  'listBuildInfoRecord',
  'listBuildInfoRecordByJobId',
  'showBuildInfoRecord',
  'showJobSuccessRatio',
  'importBuildRecords',
  'listUsers',
  'createUser',
  'showCurrentUser',
  'createProject',
  'listMembers',
  'setMember',
  'showJobStatus',
  'showRunningStatus',
  'showListHistory',
  'showListPeriodHistory',
  'showHistoryDetails',
  'showRecordDetail',
  'downloadRealTimeLog',
  'downloadBuildLog',
  'downloadTaskLog',
  'receiveWebhook',
  'showJobWebhook',
  'listRunners',
  'createAccessKey',
  'listAccessKeys',
];

/** Operations with a JSON body (random bodies cannot spoil anything: they never carry a known password). */
const WITH_JSON_BODY: OperationId[] = [
  'keystoneCreateUserTokenByPassword',
  'createBuildJob',
  'createNewJob',
  'updateBuildJob',
  'updateNewJob',
  'createDomain',
  'createUser',
  'changeOwnPassword',
  'updateUser',
  'setUserPassword',
  'createProject',
  'setMember',
  'runJob',
  'executeJob',
  'stopJob',
  'createRunner',
  'updateRunner',
  'createAccessKey',
  'updateAccessKey',
];

describe('fuzzing the HTTP edge with a valid token', () => {
  let kiln: TestKiln;
  let token: string;
  let fx: Fixture;
  let pathJobId: string;

  beforeAll(async () => {
    kiln = await createTestKiln();
    fx = await buildFixture(kiln, 'fuzzed');
    await createUser(kiln, fx.adminToken, FUZZER.name, FUZZER.password, { is_admin: true });
    token = await tokenOf(kiln, FUZZER);
    await importRecords(kiln, fx.adminToken, fx.jobId, [recordLine(3, { state: 'FAILURE' })]);
    pathJobId = await createJob(kiln, fx.adminToken, fx.projectId, { job_name: 'fuzzed-by-paths' });
    await setRole(kiln, fx.adminToken, fx.projectId, 'spare', 'viewer');
  });
  afterAll(() => kiln?.close());

  const send = async (options: InjectOptions) => {
    const res = await kiln.app.inject(options);
    expectWellFormed(String(options.method ?? 'GET'), String(options.url), res);
    return res;
  };

  it('answers random paths (unicode, %00, .., bad escapes, very long segments) without a 5xx', async () => {
    const segment = fc.oneof(
      fc.constantFrom(
        'v1',
        'v3',
        'v4',
        'jobs',
        'job',
        'kiln',
        'users',
        'me',
        'password',
        'projects',
        'members',
        'record',
        'auth',
        'tokens',
        'domain',
        'project',
        'related',
        'related-page',
        'query',
        'config',
        'list',
        'import',
        'build-info-records',
        'build-info-record',
        'success-ratio',
        'recover',
        'create',
        'update',
        '1',
        '0',
        '..',
        '.',
        '',
        '%00',
        '%zz',
        '%',
        '%2e%2e',
        '%2F',
        '%C0%AE',
        '%E0%A4%A',
        ';',
        'a;b=c',
        '~',
        '*',
      ),
      fc.constantFrom(pathJobId, fx.projectId, fx.spareUserId, pathJobId.toUpperCase(), `${pathJobId}0`),
      fc.string({ unit: 'grapheme', maxLength: 12 }).map(encodeURIComponent),
      fc.string({ unit: 'grapheme', maxLength: 12 }),
      fc.integer({ min: 100, max: 4000 }).map((n) => 'a'.repeat(n)),
      fc.integer({ min: 100, max: 2000 }).map((n) => '%41'.repeat(n)),
    );
    const path = fc
      .array(segment, { minLength: 1, maxLength: 7 })
      .filter((s) => s[0] !== '')
      .map((s) => `/${s.join('/')}`);
    const method = fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD');
    await fc.assert(
      fc.asyncProperty(method, path, async (m, url) => {
        await send(withToken({ method: m as InjectOptions['method'], url }, token));
      }),
      {
        numRuns: RUNS.paths,
        examples: [
          ['GET', '/%zz'],
          ['GET', `/v3/jobs/${'a'.repeat(5000)}/query`],
          ['GET', '/v3/jobs/%C0%AE/query'],
          ['PUT', `/v1/kiln/users/${'b'.repeat(300)}`],
          ['GET', '/v3/jobs/%00/query'],
          ['GET', '/v3/auth/tokens/'],
        ],
      },
    );
  });

  it('answers random query strings (repeated keys, huge numbers, 1e3, negatives, SQL) without a 5xx', async () => {
    const withQuery: OperationId[] = [
      'keystoneValidateToken',
      'listRelatedProjectInfo',
      'listJobConfig',
      'showJobListByProjectId',
      'listProjectJobs',
      'listBuildInfoRecord',
      'listBuildInfoRecordByJobId',
      'showJobSuccessRatio',
      'showListHistory',
      'showListPeriodHistory',
      'downloadRealTimeLog',
      'downloadBuildLog',
      'downloadTaskLog',
      'listAccessKeys',
    ];
    const key = fc.oneof(
      fc.constantFrom(
        'page_index',
        'page_size',
        'page_no',
        'start_time',
        'end_time',
        'search',
        'nocatalog',
        'get_all_params',
        'sort_field',
        'sort_order',
        'creator_id',
        'build_status',
        'by_group',
        '__proto__',
        'constructor',
        'offset',
        'limit',
        'interval',
        'length',
        'task_name',
        'log_level',
        'first_line',
        'page_size[]',
        'a[b]',
        '',
      ),
      fc.string({ unit: 'grapheme', maxLength: 8 }),
    );
    const value = fc.oneof(
      fc.constantFrom(
        '0',
        '1',
        '-1',
        '1e3',
        '1.5',
        '99999999999999999999',
        '9007199254740993',
        '0x10',
        '+5',
        ' 5',
        'NaN',
        'Infinity',
        'true',
        'null',
        '',
        "' OR 1=1 --",
        '1; DROP TABLE jobs;--',
        '2023-11-01 00:00:00',
        '2023-02-30 00:00:00',
        '2023-11-01',
        '9999-12-31 23:59:59',
        '0000-00-00 00:00:00',
      ),
      fc.integer().map(String),
      fc.double().map(String),
      fc.string({ unit: 'grapheme', maxLength: 30 }),
    );
    const rawValue = fc.constantFrom('%zz', '%00', '%', '2023-11-01+00:00:00', '2023-11-01%2000%3A00%3A00');
    const pair = fc.oneof(
      fc.tuple(key, value).map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`),
      fc.tuple(key, rawValue).map(([k, v]) => `${encodeURIComponent(k)}=${v}`),
      key.map(encodeURIComponent),
    );
    const query = fc.array(pair, { maxLength: 8 }).map((pairs) => pairs.join('&'));
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...withQuery), query, async (id, q) => {
        const options = await RECIPES[id].request(fx, FUZZER);
        const url = String(options.url);
        const sep = url.includes('?') ? '&' : '?';
        await send(withToken({ ...options, url: `${url}${sep}${q}` }, token));
        await send(withToken({ ...options, url: `${url.split('?')[0]}?${q}` }, token));
      }),
      {
        numRuns: RUNS.queries,
        examples: [
          ['showJobListByProjectId', 'search=a&search=b'],
          ['listBuildInfoRecord', 'page_size=10&page_size=20'],
          ['listRelatedProjectInfo', 'search=%27%20OR%201%3D1%20--'],
        ],
      },
    );
  });

  it('takes page_size only as a plain integer 1..100, given once: anything else is 400 CB.00060200', async () => {
    const canonical = fc.integer({ min: -200, max: 300 }).map(String);
    const junk = fc.constantFrom(
      '1e3',
      '1e1',
      '1.0',
      '10.5',
      '0x10',
      '+5',
      ' 5',
      '5 ',
      '5,5',
      'ten',
      'NaN',
      'Infinity',
      '99999999999999999999',
      '-0',
      '１０',
    );
    const window = 'start_time=2023-11-01%2000%3A00%3A00&end_time=2023-11-30%2023%3A59%3A59';
    const all = await kiln.call(token, {
      method: 'GET',
      url: `/v3/jobs/${fx.jobId}/build-info-records?${window}&page_size=100`,
    });
    const total = Number(all.json().result.total_record);
    expect(total).toBeGreaterThan(1);
    await fc.assert(
      fc.asyncProperty(fc.oneof(canonical, junk), fc.boolean(), async (size, twice) => {
        const q = `${window}&page_size=${encodeURIComponent(size)}${twice ? '&page_size=10' : ''}`;
        const res = await send(
          withToken({ method: 'GET', url: `/v3/jobs/${fx.jobId}/build-info-records?${q}` }, token),
        );
        const valid = !twice && /^(0|[1-9]\d*)$/.test(size) && Number(size) >= 1 && Number(size) <= 100;
        if (valid) {
          expect(res.statusCode, res.body).toBe(200);
          expect(res.json().result.job_build_states.length).toBe(Math.min(total, Number(size)));
        } else {
          expectCodeArtsError(res, 400, 'CB.00060200', /page_size/);
        }
      }),
      {
        numRuns: RUNS.pageSize,
        examples: [
          ['-0', false],
          ['100', false],
          ['101', false],
          ['1', true],
        ],
      },
    );
  });

  it('answers random headers (content types, request ids, AK/SK-looking Authorization) without a 5xx', async () => {
    const printable = fc.stringMatching(/^[\x20-\x7e]{0,80}$/);
    const header = fc.oneof(
      fc.tuple(
        fc.constantFrom(
          'content-type',
          'accept',
          'x-request-id',
          'authorization',
          'x-sdk-date',
          'x-project-id',
          'x-subject-token',
          'x-auth-token',
          'accept-encoding',
          'content-encoding',
          'user-agent',
          'x-domain-id',
          'x-sdk-content-sha256',
          'expect',
          'origin',
        ),
        fc.oneof(
          printable,
          fc.constantFrom(
            'application/json',
            'application/json; charset=latin1',
            'text/plain',
            'application/x-ndjson',
            'multipart/form-data; boundary=x',
            'application/octet-stream',
            '*/*',
            'gzip',
            'SDK-HMAC-SHA256 Access=AKEXAMPLE, SignedHeaders=host;x-sdk-date, Signature=00',
            'SDK-HMAC-SHA256 garbage',
            'Bearer x',
            '20240101T120000Z',
            '',
          ),
        ),
      ),
      fc.tuple(fc.stringMatching(/^x-[a-z0-9-]{1,20}$/), printable),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...HARMLESS),
        fc.array(header, { maxLength: 5 }),
        async (id, headers) => {
          const options = withToken(await RECIPES[id].request(fx, FUZZER), token);
          const merged = { ...(options.headers as Record<string, string>) };
          for (const [name, v] of headers) merged[name] = v;
          await send({ ...options, headers: merged });
        },
      ),
      { numRuns: RUNS.headers },
    );
  });

  it('answers random JSON bodies without a 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...WITH_JSON_BODY),
        fc.jsonValue({ maxDepth: 4 }),
        async (id, body) => {
          const options = withToken(await RECIPES[id].request(fx, FUZZER), token);
          await send({
            ...options,
            headers: { ...(options.headers as Record<string, string>), 'content-type': 'application/json' },
            payload: JSON.stringify(body),
          });
        },
      ),
      { numRuns: RUNS.bodies },
    );
  });

  it('answers job documents with random values in their fields without a 5xx', async () => {
    const fields = [
      'arch',
      'project_id',
      'job_name',
      'parameters',
      'timeout',
      'scms',
      'steps',
      'triggers',
      'kiln',
      'flavor',
      'build_if_code_updated',
    ];
    const stepFields = ['module_id', 'name', 'properties', 'enable', 'version'];
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('/v3/jobs/create', '/v1/job/create', '/v3/jobs/update'),
        fc.dictionary(fc.constantFrom(...fields), fc.jsonValue({ maxDepth: 3 }), { maxKeys: 3 }),
        fc.dictionary(fc.constantFrom(...stepFields), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 2 }),
        async (url, topChanges, stepChanges) => {
          const doc = jobBody(fx.projectId, { job_name: fx.unique('doc') });
          const steps = [{ ...(doc.steps as Record<string, unknown>[])[0], ...stepChanges }];
          const payload = {
            ...doc,
            steps,
            ...topChanges,
            ...(url.endsWith('update') && { job_id: fx.jobId }),
          };
          await send({ method: 'POST', url, headers: { 'x-auth-token': token }, payload });
        },
      ),
      { numRuns: RUNS.documents },
    );
  });

  it('answers import bodies of records with random values in their fields without a 5xx', async () => {
    const recordFields = [
      'number',
      'start_time',
      'build_time',
      'cost_time',
      'state',
      'trigger_type',
      'daily_build_number',
      'commit_info',
      'build_type',
      'executor',
      'job_running_status',
    ];
    const line = fc.oneof(
      fc.integer({ min: 1, max: 50 }).map((n) => recordLine(n)),
      fc
        .tuple(
          fc.integer({ min: 1, max: 50 }),
          fc.dictionary(fc.constantFrom(...recordFields), fc.jsonValue({ maxDepth: 2 }), {
            minKeys: 1,
            maxKeys: 2,
          }),
        )
        .map(([n, changes]) => recordLine(n, changes)),
      fc.string({ unit: 'grapheme', maxLength: 40 }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(line, { minLength: 1, maxLength: 6 }), async (lines) => {
        const res = await send({
          method: 'POST',
          url: `/v1/kiln/jobs/${fx.jobId}/import`,
          headers: { 'x-auth-token': token, 'content-type': 'application/x-ndjson' },
          payload: lines.join('\n'),
        });
        if (res.statusCode === 200) {
          const { imported, skipped, lines: counted } = res.json().result;
          expect(imported + skipped).toBe(counted);
        } else {
          expectCodeArtsError(res, 400, 'CB.00060200', /line \d+/);
        }
      }),
      { numRuns: RUNS.imports },
    );
  });

  it('answers a body that is not JSON, sent as application/json, with 400 in the operation style', async () => {
    const notJson = fc.string({ unit: 'grapheme', minLength: 1, maxLength: 60 }).filter((s) => {
      try {
        JSON.parse(s);
        return false;
      } catch {
        return true;
      }
    });
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...WITH_JSON_BODY), notJson, async (id, text) => {
        const options = withToken(await RECIPES[id].request(fx, FUZZER), token);
        const res = await send({
          ...options,
          headers: { ...(options.headers as Record<string, string>), 'content-type': 'application/json' },
          payload: text,
        });
        if (id === 'keystoneCreateUserTokenByPassword') expectKeystoneError(res, 400);
        else expectCodeArtsError(res, 400, 'CB.00060200');
      }),
      {
        numRuns: RUNS.notJson,
        examples: [
          ['createBuildJob', '{"job_name": '],
          ['createUser', 'null,'],
          ['keystoneCreateUserTokenByPassword', '\u0000'],
        ],
      },
    );
  });
});
