import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  build,
  describeEachStore,
  expectError,
  listUrl,
  numbersOf,
  pageOf,
  qs,
  startRecordsKiln,
  WIDE,
  type ListVersion,
  type RecordsKiln,
} from '../../helpers/records.ts';

/**
 * ListBuildInfoRecord (and its v1 twin) request validation: build-info-records.md "Request" and
 * "Errors" (codes, messages naming the parameter, order of checks).
 */

const T0 = Date.UTC(2024, 4, 1, 12, 0, 0);
const VERSIONS: ListVersion[] = ['v3', 'v1'];

describeEachStore('records request validation', (store) => {
  let k: RecordsKiln;
  let jobId: string;
  const unknownJob = '0123456789abcdefghijklmnopqrstuv';

  beforeAll(async () => {
    k = await startRecordsKiln(store);
    jobId = await k.newJob();
    await k.insert(
      jobId,
      [1, 2, 3].map((n) => build(jobId, n, T0 + n * 60_000)),
    );
  });
  afterAll(() => k.close());

  const good = (extra: Record<string, string | number> = {}) => qs({ ...WIDE, ...extra });

  for (const version of VERSIONS) {
    it(`answers a well-formed request with 200 and an X-Request-Id (${version})`, async () => {
      const res = await k.list(jobId, good(), version);
      expect(numbersOf(res)).toEqual([3, 2, 1]);
      expect(res.headers['x-request-id']).toMatch(/\S/);
      expect(res.headers['content-type']).toMatch(/^application\/json/);
    });

    it.each([
      ['31 characters', '0123456789abcdefghijklmnopqrstu'],
      ['33 characters', '0123456789abcdefghijklmnopqrstuvw'],
      ['upper case', '0123456789ABCDEFGHIJKLMNOPQRSTUV'],
      ['a dash', '0123456789abcdefghijklmnopqrst-v'],
      ['an underscore', '0123456789abcdefghijklmnopqrst_v'],
      ['a dot', '0123456789abcdefghijklmnopqrst.v'],
      ['a single character', 'x'],
      ['non-ASCII letters', encodeURIComponent('0123456789abcdefghijklmnopqrstué')],
      ['a NUL', `0123456789abcdefghijklmnopqrstu${encodeURIComponent('\0')}`],
      ['a percent-encoded space', '0123456789abcdefghijklmnopqrstu%20'],
      ['300 characters', 'a'.repeat(300)],
    ])(`refuses a job_id with %s: 400 CB.00060201 (${version})`, async (_what, badId) => {
      const res = await k.list(badId, good(), version);
      expectError(res, 400, 'CB.00060201', /job_id/);
    });

    it(`answers a well-formed but unknown job_id with 404 CB.00060201 "job not found" (${version})`, async () => {
      const res = await k.list(unknownJob, good(), version);
      expectError(res, 404, 'CB.00060201', /^job not found$/);
    });
  }

  it.each(['start_time', 'end_time'])(
    'refuses a request without %s: 400 CB.00060200 naming it',
    async (name) => {
      const params: Record<string, string> = { ...WIDE };
      delete params[name];
      expectError(await k.list(jobId, qs(params)), 400, 'CB.00060200', new RegExp(name));
    },
  );

  it('refuses a request without any query: 400 CB.00060200 naming a missing time', async () => {
    expectError(await k.list(jobId, ''), 400, 'CB.00060200', /start_time|end_time/);
  });

  const illFormed = [
    '',
    ' ',
    '2024-01-01',
    '2024-01-01T00:00:00',
    '2024-01-01 00:00',
    '2024-1-01 00:00:00',
    '2024-01-1 00:00:00',
    '24-01-01 00:00:00',
    '2024-01-01 0:00:00',
    '2024-01-01  00:00:00',
    ' 2024-01-01 00:00:00',
    '2024-01-01 00:00:00 ',
    '2024-01-01 00:00:00Z',
    '2024-01-01 00:00:00+08:00',
    '2024-01-01 00:00:00.000',
    '2024/01/01 00:00:00',
    '1704067200000',
    '２０２４-01-01 00:00:00',
    '2024-01-01\t00:00:00',
    'yyyy-MM-dd HH:mm:ss',
  ];
  const unreal = [
    '2023-02-30 00:00:00',
    '2023-02-29 00:00:00',
    '2024-02-30 00:00:00',
    '2024-04-31 12:00:00',
    '2024-13-01 00:00:00',
    '2024-00-10 00:00:00',
    '2024-01-00 00:00:00',
    '2024-01-32 00:00:00',
    '2024-01-01 24:00:00',
    '2024-01-01 23:60:00',
    '2024-01-01 23:59:60',
    '2024-01-01 99:99:99',
  ];
  for (const name of ['start_time', 'end_time'] as const) {
    it.each(illFormed)(`refuses an ill-formed ${name} %j: 400 CB.00060200 naming ${name}`, async (value) => {
      const res = await k.list(jobId, qs({ ...WIDE, [name]: value }));
      expectError(res, 400, 'CB.00060200', new RegExp(name));
    });
    it.each(unreal)(`refuses ${name} %j that is no real calendar time: 400 naming ${name}`, async (value) => {
      // Keep the other end far enough that only the bad value can be the problem.
      const other =
        name === 'start_time' ? { end_time: '2099-12-31 23:59:59' } : { start_time: '2000-01-01 00:00:00' };
      const res = await k.list(jobId, qs({ ...other, [name]: value }));
      expectError(res, 400, 'CB.00060200', new RegExp(name));
    });
  }

  it('says which format a time must have, in words a user can act on', async () => {
    const msg = expectError(
      await k.list(jobId, qs({ ...WIDE, start_time: '2024-01-01T00:00:00' })),
      400,
      'CB.00060200',
      /start_time/,
    );
    expect(msg).toContain('yyyy-MM-dd HH:mm:ss');
  });

  it('accepts 29 February of a leap year and the last second of a day', async () => {
    const res = await k.list(
      jobId,
      qs({ start_time: '2024-02-29 00:00:00', end_time: '2024-12-31 23:59:59' }),
    );
    expect(numbersOf(res)).toEqual([3, 2, 1]);
  });

  it('refuses end_time before start_time (by one second): 400 CB.00060200 naming end_time', async () => {
    const res = await k.list(
      jobId,
      qs({ start_time: '2024-05-01 12:00:01', end_time: '2024-05-01 12:00:00' }),
    );
    expectError(res, 400, 'CB.00060200', /end_time/);
  });

  it('accepts end_time equal to start_time (a one-second window)', async () => {
    const res = await k.list(
      jobId,
      qs({ start_time: '2024-05-01 12:01:00', end_time: '2024-05-01 12:01:00' }),
    );
    expect(numbersOf(res)).toEqual([1]);
  });

  it('reads percent-encoded times (%20, %3A, lower-case %3a) and + for the space alike', async () => {
    const variants = [
      '?start_time=2000-01-01%2000%3A00%3A00&end_time=2099-12-31%2023%3A59%3A59',
      '?start_time=2000-01-01%2000%3a00%3a00&end_time=2099-12-31%2023%3a59%3a59',
      '?start_time=2000-01-01+00:00:00&end_time=2099-12-31+23:59:59',
      '?start_time=2000-01-01+00%3A00%3A00&end_time=2099-12-31%2023:59:59',
    ];
    const bodies = [];
    for (const v of variants) {
      const res = await k.list(jobId, v);
      expect(numbersOf(res)).toEqual([3, 2, 1]);
      bodies.push(res.json());
    }
    for (const b of bodies) expect(b).toEqual(bodies[0]);
  });

  it('does not take an encoded plus (%2B) for a space', async () => {
    const res = await k.list(jobId, '?start_time=2000-01-01%2B00:00:00&end_time=2099-12-31%2023:59:59');
    expectError(res, 400, 'CB.00060200', /start_time/);
  });

  const badPageIndex = [
    '-1',
    '1.5',
    '1.0',
    '1e3',
    '+5',
    '0x10',
    ' 5',
    '5 ',
    '',
    'abc',
    '١',
    '2147483648',
    '99999999999999999999',
    'NaN',
    'Infinity',
    '-0',
    '5,6',
    '[1]',
  ];
  it.each(badPageIndex)(
    'refuses page_index=%j: 400 CB.00060200 naming page_index, never clamped',
    async (value) => {
      const res = await k.list(jobId, qs({ ...WIDE, page_index: value }));
      expectError(res, 400, 'CB.00060200', /page_index/);
    },
  );

  const badPageSize = [
    '0',
    '101',
    '1000',
    '-1',
    '1.5',
    '10.0',
    '1e2',
    '1e3',
    '+5',
    '0x10',
    ' 5',
    '',
    'ten',
    '99999999999999999999',
    '-0',
    'Infinity',
  ];
  it.each(badPageSize)(
    'refuses page_size=%j: 400 CB.00060200 naming page_size, never clamped',
    async (value) => {
      const res = await k.list(jobId, qs({ ...WIDE, page_size: value }));
      expectError(res, 400, 'CB.00060200', /page_size/);
    },
  );

  it('accepts page_size at both ends of 1..100 and page_index 0', async () => {
    expect(numbersOf(await k.list(jobId, good({ page_size: 1, page_index: 0 })))).toEqual([3]);
    expect(numbersOf(await k.list(jobId, good({ page_size: 100 })))).toEqual([3, 2, 1]);
    expect(numbersOf(await k.list(jobId, good({ page_size: 1, page_index: 2 })))).toEqual([1]);
  });

  it.each(['start_time', 'end_time', 'page_index', 'page_size'])(
    'refuses %s given twice, even with the same value twice: 400 naming it',
    async (name) => {
      const base: Array<[string, string]> = [
        ['start_time', WIDE.start_time],
        ['end_time', WIDE.end_time],
        ['page_index', '0'],
        ['page_size', '10'],
      ];
      const value = base.find(([n]) => n === name)?.[1] as string;
      for (const second of [value, name === 'page_size' ? '20' : name === 'page_index' ? '1' : value]) {
        const res = await k.list(jobId, qs([...base, [name, second]]));
        expectError(res, 400, 'CB.00060200', new RegExp(name));
      }
    },
  );

  it('ignores unknown query parameters', async () => {
    const plain = await k.list(jobId, good({ page_size: 2 }));
    const extra = await k.list(
      jobId,
      qs({
        ...WIDE,
        page_size: 2,
        foo: 'bar',
        pageSize: 1000,
        page: 7,
        PAGE_INDEX: -1,
        limit: 'x',
        'start_time ': 'x',
      }),
    );
    expect(numbersOf(plain)).toEqual([3, 2]);
    expect(extra.json()).toEqual(plain.json());
  });

  it('ignores an unknown parameter that repeats or has no value', async () => {
    const res = await k.list(jobId, `${good()}&x=1&x=2&flag&=empty`);
    expect(numbersOf(res)).toEqual([3, 2, 1]);
  });
});

describeEachStore('records order of checks', (store) => {
  let k: RecordsKiln;
  let jobId: string;
  const unknownJob = 'ffffffffffffffffffffffffffffffff';
  const badQuery = qs({ start_time: '2023-02-30 00:00:00', end_time: WIDE.end_time });

  beforeAll(async () => {
    k = await startRecordsKiln(store);
    jobId = await k.newJob();
    await k.insert(jobId, [build(jobId, 1, T0)]);
  });
  afterAll(() => k.close());

  it('answers an unknown route with 404 CB.00060214 before asking for a token', async () => {
    const res = await k.kiln.call(undefined, {
      method: 'GET',
      url: `/v3/jobs/${jobId}/build-info-recordz${qs(WIDE)}`,
    });
    expectError(res, 404, 'CB.00060214');
    const res2 = await k.kiln.call(undefined, {
      method: 'GET',
      url: `/v1/record/${jobId}/list/extra${qs(WIDE)}`,
    });
    expectError(res2, 404, 'CB.00060214');
  });

  it('answers a missing token with 401 APIGW.0301 before looking at job_id or the query', async () => {
    for (const url of [
      listUrl(jobId, qs(WIDE)),
      listUrl('BAD', qs(WIDE)),
      listUrl(jobId, badQuery),
      listUrl('BAD', badQuery),
      listUrl(unknownJob, qs(WIDE)),
      listUrl('BAD', badQuery, 'v1'),
      `/v1/record/BAD/0/build-info-record`,
    ]) {
      const res = await k.kiln.call(undefined, { method: 'GET', url });
      expectError(res, 401, 'APIGW.0301', /x-auth-token not found/i);
    }
  });

  it('answers an unknown token with 401 before a bad job_id', async () => {
    const res = await k.list('BAD', badQuery, 'v3', 'not-a-token');
    expectError(res, 401, 'APIGW.0301');
  });

  it('answers a domain-scoped token with 401 naming global tokens, before a bad job_id', async () => {
    const global = await k.kiln.token('admin', undefined, 'domain');
    const res = await k.list('BAD', badQuery, 'v3', global);
    expectError(res, 401, 'APIGW.0301', /global tenant tokens are not supported/);
    const res2 = await k.list(jobId, qs(WIDE), 'v3', global);
    expectError(res2, 401, 'APIGW.0301', /global tenant tokens are not supported/);
  });

  it('checks job_id shape (400 CB.00060201) before the query', async () => {
    for (const version of VERSIONS) {
      expectError(await k.list('BAD', badQuery, version), 400, 'CB.00060201');
      expectError(await k.list('BAD', '', version), 400, 'CB.00060201');
    }
  });

  it('checks the query (400 CB.00060200) before the job is looked up: a bad query on an unknown job is 400', async () => {
    for (const version of VERSIONS) {
      expectError(await k.list(unknownJob, badQuery, version), 400, 'CB.00060200', /start_time/);
      expectError(
        await k.list(unknownJob, qs({ ...WIDE, page_size: 0 }), version),
        400,
        'CB.00060200',
        /page_size/,
      );
      expectError(
        await k.list(unknownJob, qs({ start_time: WIDE.end_time, end_time: WIDE.start_time }), version),
        400,
        'CB.00060200',
        /end_time/,
      );
      expectError(await k.list(unknownJob, '', version), 400, 'CB.00060200');
    }
  });

  it('answers a job in a project the caller cannot see exactly like an unknown job (404)', async () => {
    const outsider = await k.userToken('none');
    const hidden = await k.list(jobId, qs(WIDE), 'v3', outsider);
    const missing = await k.list(unknownJob, qs(WIDE), 'v3', outsider);
    expectError(hidden, 404, 'CB.00060201', /^job not found$/);
    expect(hidden.json()).toEqual(missing.json());
    // A bad query still wins over visibility.
    expectError(await k.list(jobId, badQuery, 'v3', outsider), 400, 'CB.00060200');
  });

  it('lets a viewer of the project read the records', async () => {
    const viewer = await k.userToken('viewer');
    expect(numbersOf(await k.list(jobId, qs(WIDE), 'v3', viewer))).toEqual([1]);
    expect(pageOf(await k.list(jobId, qs(WIDE), 'v1', viewer)).total_record).toBe('1');
  });
});
