import fc from 'fast-check';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Build } from '../../../src/domain/build.ts';
import {
  build,
  describeEachStore,
  expectNoLeak,
  instantOfWall,
  listUrl,
  naivePage,
  pageOf,
  qs,
  wallAt,
  type RecordsKiln,
  startRecordsKiln,
} from '../../helpers/records.ts';

/**
 * Property tests: hostile parameters never produce a 5xx or a wrong page, and for random histories,
 * windows and pages the API's page is a naive sort-and-slice of the same builds. The oracle below
 * reads the spec ("Request"), not src: it decides the expected status and page by itself.
 */

const SHANGHAI = 8; // Asia/Shanghai: UTC+8 all year
const BASE = Date.UTC(2024, 2, 2, 0, 0, 0); // 2024-03-02 08:00 in Shanghai
const DAY = 86_400_000;
const KNOWN = ['start_time', 'end_time', 'page_index', 'page_size'] as const;
const INT32_MAX = 2_147_483_647;

/** `yyyy-MM-dd HH:mm:ss` that names a real time, as an instant in Shanghai; undefined otherwise. */
function specTime(text: string): number | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})$/.exec(text);
  if (!m) return undefined;
  const [y, mo, d, h, mi, s] = m.slice(1).map(Number) as [number, number, number, number, number, number];
  if (mo < 1 || mo > 12 || d < 1 || h > 23 || mi > 59 || s > 59) return undefined;
  if (d > new Date(Date.UTC(y, mo, 0)).getUTCDate()) return undefined;
  return instantOfWall(text, SHANGHAI);
}

type Expectation =
  | { status: 400; badParams: string[] }
  | { status: 200; from: number; to: number; pageIndex: number; pageSize: number };

/** What the spec says the answer to these (decoded) query pairs is. */
function oracle(pairs: Array<[string, string]>): Expectation {
  const values = new Map<string, string[]>();
  for (const [k, v] of pairs) values.set(k, [...(values.get(k) ?? []), v]);
  const bad: string[] = [];
  const one = (name: string): string | undefined => {
    const vs = values.get(name);
    if (vs && vs.length > 1) bad.push(name);
    return vs?.[0];
  };
  const st = one('start_time');
  const et = one('end_time');
  const pi = one('page_index');
  const ps = one('page_size');
  const from = st === undefined ? undefined : specTime(st);
  const end = et === undefined ? undefined : specTime(et);
  if (from === undefined) bad.push('start_time');
  if (end === undefined) bad.push('end_time');
  if (from !== undefined && end !== undefined && end < from) bad.push('end_time');
  const wholeIn = (text: string | undefined, min: number, max: number, dflt: number): number | undefined => {
    if (text === undefined) return dflt;
    if (!/^(0|[1-9]\d*)$/.test(text)) return undefined;
    const n = Number(text);
    return n >= min && n <= max ? n : undefined;
  };
  const pageIndex = wholeIn(pi, 0, INT32_MAX, 0);
  const pageSize = wholeIn(ps, 1, 100, 10);
  if (pageIndex === undefined) bad.push('page_index');
  if (pageSize === undefined) bad.push('page_size');
  if (bad.length > 0) return { status: 400, badParams: [...new Set(bad)] };
  return {
    status: 200,
    from: from as number,
    to: (end as number) + 1000,
    pageIndex: pageIndex as number,
    pageSize: pageSize as number,
  };
}

const hostileText = fc.constantFrom(
  "' OR 1=1 --",
  "1' OR '1'='1",
  '1; DROP TABLE builds; --',
  '0 UNION SELECT * FROM users',
  '%00',
  '\u0000',
  '10\u0000',
  '2024-03-03 00:00:00\u0000',
  '%',
  '%zz',
  '1e3',
  '1E3',
  '+5',
  '-1',
  '-0',
  '0x10',
  '0b1',
  '1.5',
  '10.0',
  '.5',
  ' 5',
  '5 ',
  '',
  ' ',
  'null',
  'undefined',
  'NaN',
  'Infinity',
  'true',
  '[]',
  '{}',
  '__proto__',
  '9'.repeat(30),
  '2147483648',
  '2147483647',
  '99999999999',
  '١٢',
  '２０２４-03-03 00:00:00',
  '2024-03-03 00:00:00😀',
  '😀',
  'é',
  '\u202e2024',
  'a'.repeat(3000),
  '2024-02-30 00:00:00',
  '2024-03-03 24:00:00',
  '2024-03-03T00:00:00',
  '2024-03-03',
);

const wallInRange = fc
  .integer({ min: -2 * 86_400, max: 9 * 86_400 })
  .map((s) => wallAt(BASE + s * 1000, SHANGHAI));

const pageIndexText = fc.oneof(
  fc.integer({ min: 0, max: 12 }).map(String),
  fc.constantFrom('2147483647', '0'),
);
const pageSizeText = fc.oneof(
  fc.integer({ min: 1, max: 100 }).map(String),
  fc.constantFrom('0', '101', '100', '1'),
);

const valueFor = (key: string) => {
  if (key === 'start_time' || key === 'end_time')
    return fc.oneof({ weight: 4, arbitrary: wallInRange }, { weight: 1, arbitrary: hostileText });
  if (key === 'page_index')
    return fc.oneof({ weight: 3, arbitrary: pageIndexText }, { weight: 1, arbitrary: hostileText });
  if (key === 'page_size')
    return fc.oneof({ weight: 3, arbitrary: pageSizeText }, { weight: 1, arbitrary: hostileText });
  return fc.oneof(hostileText, fc.string({ maxLength: 20, unit: 'grapheme' }));
};

const unknownKey = fc.oneof(
  fc.constantFrom(
    'foo',
    '__proto__',
    'constructor',
    'prototype',
    'toString',
    'hasOwnProperty',
    'page',
    'START_TIME',
    'Start_Time',
    'start_time ',
    ' page_size',
    'page_size[]',
    'page_index.0',
    'ключ',
    '😀',
    "' OR 1=1 --",
    'a%00b',
  ),
  fc
    .string({ minLength: 1, maxLength: 12, unit: 'grapheme' })
    .filter((s) => !(KNOWN as readonly string[]).includes(s)),
);

/** Chaos: any of the four known keys (some missing, some repeated), any values, plus noise. */
const chaoticPairs = fc
  .tuple(
    fc.subarray([...KNOWN], { minLength: 0 }),
    fc.array(fc.constantFrom(...KNOWN), { maxLength: 2 }),
    fc.array(unknownKey, { maxLength: 3 }),
  )
  .chain(([known, repeated, unknown]) => {
    const keys = [...known, ...repeated, ...unknown];
    return fc.tuple(
      fc.shuffledSubarray(keys, { minLength: keys.length, maxLength: keys.length }),
      fc.constant(keys.length),
    );
  })
  .chain(([keys]) => fc.tuple(...keys.map((k) => valueFor(k).map((v) => [k, v] as [string, string]))))
  .map((pairs) => pairs as Array<[string, string]>);

/** Mostly well-formed: an ordered window, optional page parameters, unknown keys in any order. */
const cleanPairs = fc
  .record({
    startSec: fc.integer({ min: -2 * 86_400, max: 8 * 86_400 }),
    lengthSec: fc.integer({ min: 0, max: 3 * 86_400 }),
    pageIndex: fc.option(pageIndexText, { nil: undefined }),
    pageSize: fc.option(pageSizeText, { nil: undefined }),
    noise: fc.array(fc.tuple(unknownKey, valueFor('noise')), { maxLength: 3 }),
  })
  .chain((q) => {
    const pairs: Array<[string, string]> = [
      ['start_time', wallAt(BASE + q.startSec * 1000, SHANGHAI)],
      ['end_time', wallAt(BASE + (q.startSec + q.lengthSec) * 1000, SHANGHAI)],
      ...(q.pageIndex === undefined ? [] : [['page_index', q.pageIndex] as [string, string]]),
      ...(q.pageSize === undefined ? [] : [['page_size', q.pageSize] as [string, string]]),
      ...q.noise,
    ];
    return fc.shuffledSubarray(pairs, { minLength: pairs.length, maxLength: pairs.length });
  });

const queryPairs = fc.oneof({ weight: 1, arbitrary: chaoticPairs }, { weight: 1, arbitrary: cleanPairs });

/** Encodes pairs as a client would: percent-encoding, sometimes `+` for spaces. */
function encode(pairs: Array<[string, string]>, plus: boolean): string {
  if (pairs.length === 0) return '';
  const enc = (s: string) => {
    const e = encodeURIComponent(s);
    return plus ? e.replace(/%20/g, '+') : e;
  };
  return `?${pairs.map(([k, v]) => `${enc(k)}=${enc(v)}`).join('&')}`;
}

describeEachStore('hostile and random records requests', (store) => {
  let k: RecordsKiln;
  let job: string;
  const builds: Build[] = [];

  beforeAll(async () => {
    k = await startRecordsKiln(store, { timeZone: 'Asia/Shanghai' });
    job = await k.newJob();
    // 60 builds over a week: numbers that disagree with times on some days, equal times, day edges.
    const shared = BASE + 3 * DAY + 12_345;
    for (let i = 0; i < 60; i++) {
      const day = i % 7;
      const t =
        i % 11 === 0
          ? shared
          : BASE + day * DAY + ((i * 7_919_000) % DAY) - (i % 5 === 0 ? 8 * 3_600_000 : 0) + (i % 3);
      const number = day === 2 ? 1000 - i : i + 1;
      builds.push(build(job, number, t, { state: i % 4 === 0 ? 'FAILURE' : 'SUCCESS' }));
    }
    await k.kiln.storage.builds.insertMany(builds);
  });
  afterAll(() => k.close());

  it('never answers a hostile query with a 5xx, and answers exactly as the spec says', async () => {
    await fc.assert(
      fc.asyncProperty(
        queryPairs,
        fc.boolean(),
        fc.constantFrom('v3', 'v1') as fc.Arbitrary<'v3' | 'v1'>,
        async (pairs, plus, version) => {
          const res = await k.list(job, encode(pairs, plus), version);
          expect(res.statusCode).toBeLessThan(500);
          expect(res.headers['x-request-id']).toMatch(/\S/);
          const want = oracle(pairs);
          if (want.status === 400) {
            expect({ status: res.statusCode, body: res.body }).toMatchObject({ status: 400 });
            const body = res.json();
            expect(Object.keys(body).sort()).toEqual(['error_code', 'error_msg']);
            expect(body.error_code).toBe('CB.00060200');
            expect(
              want.badParams.some((p) => body.error_msg.includes(p)),
              `${body.error_msg} names one of ${want.badParams}`,
            ).toBe(true);
            expect(body.error_msg).not.toMatch(/\n\s+at\s|node_modules|\/work\//);
            return;
          }
          const page = pageOf(res);
          const expected = naivePage(builds, want.from, want.to, want.pageIndex, want.pageSize);
          expect(page.job_build_states.map((r) => r.number)).toEqual(expected.numbers);
          expect(page.total_record).toBe(String(expected.total));
          expect(page.total_page).toBe(String(Math.ceil(expected.total / want.pageSize)));
          expect(page.page_index).toBe(String(want.pageIndex));
        },
      ),
      { numRuns: 400 },
    );
  });

  it('answers hostile job ids with 400 CB.00060201 (or 404 when well-formed), never a 5xx', async () => {
    const idText = fc.oneof(
      fc.string({ minLength: 1, maxLength: 64, unit: 'grapheme' }),
      fc.string({ minLength: 1, maxLength: 64, unit: 'binary' }),
      fc.constantFrom(
        "' OR 1=1 --",
        '%00',
        '\u0000'.repeat(32),
        'A'.repeat(32),
        '0'.repeat(31),
        'z'.repeat(33),
        `${'a'.repeat(31)}\u0000`,
      ),
      fc.stringMatching(/^[0-9a-z]{32}$/),
    );
    await fc.assert(
      fc.asyncProperty(
        idText.filter((s) => s !== '.' && s !== '..'),
        async (id) => {
          const res = await k.list(
            encodeURIComponent(id),
            qs({ start_time: '2024-03-01 00:00:00', end_time: '2024-03-31 00:00:00' }),
          );
          expect(res.statusCode).toBeLessThan(500);
          const body = res.json();
          expect(Object.keys(body).sort()).toEqual(['error_code', 'error_msg']);
          expectNoLeak(body.error_msg);
          if (/^[0-9a-z]{32}$/.test(id)) {
            expect(res.statusCode).toBe(404);
            expect(body).toEqual({ error_code: 'CB.00060201', error_msg: 'job not found' });
          } else {
            expect(res.statusCode).toBe(400);
            expect(body.error_code).toBe('CB.00060201');
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it.each([
    ['a malformed escape in page_size', '&page_size=%zz', 'page_size'],
    ['a truncated escape in page_index', '&page_index=%3', 'page_index'],
    ['a lone percent in page_size', '&page_size=%', 'page_size'],
    ['an invalid UTF-8 escape in page_size', '&page_size=%C3%28', 'page_size'],
    ['a NUL after digits in page_size', '&page_size=10%00', 'page_size'],
    ['an overlong UTF-8 NUL in page_index', '&page_index=%C0%80', 'page_index'],
  ])('answers %s (sent raw) with 400 naming the parameter', async (_what, tail, name) => {
    const res = await k.list(
      job,
      `${qs({ start_time: '2024-03-01 00:00:00', end_time: '2024-03-31 00:00:00' })}${tail}`,
    );
    expect(res.statusCode).toBe(400);
    expect(res.json().error_code).toBe('CB.00060200');
    expect(res.json().error_msg).toContain(name);
  });

  it('answers raw malformed escapes in the times with 400, never a 5xx', async () => {
    for (const raw of [
      '2024-03-01%2000%3A00%3A0%',
      '2024-03-01%E0%A4%A',
      '%',
      '%%',
      '2024-03-01%FF00:00:00',
    ]) {
      const res = await k.list(job, `?start_time=${raw}&end_time=2024-03-31%2000%3A00%3A00`);
      expect(res.statusCode).toBe(400);
      expect(res.json().error_code).toBe('CB.00060200');
      expect(res.json().error_msg).toContain('start_time');
    }
  });

  it('leaves the data untouched by SQL fragments (same answer before and after)', async () => {
    const before = await k.listAll(job, { page_size: 100 });
    for (const frag of ["' OR 1=1 --", "'; DELETE FROM builds; --", '1); DROP TABLE builds; --', "\\'; --"]) {
      for (const key of ['start_time', 'end_time', 'page_index', 'page_size']) {
        const res = await k.kiln.call(k.token, {
          method: 'GET',
          url: listUrl(
            job,
            qs({ start_time: '2024-03-01 00:00:00', end_time: '2024-03-31 00:00:00', [key]: frag }),
          ),
        });
        expect(res.statusCode).toBe(400);
      }
      const res = await k.list(
        encodeURIComponent(frag),
        qs({ start_time: '2024-03-01 00:00:00', end_time: '2024-03-31 00:00:00' }),
      );
      expect(res.statusCode).toBe(400);
    }
    const after = await k.listAll(job, { page_size: 100 });
    expect(after.json()).toEqual(before.json());
    expect(pageOf(after).total_record).toBe(String(builds.length));
  });
});

describeEachStore('random histories, windows and pages', (store) => {
  let k: RecordsKiln;

  beforeAll(async () => {
    k = await startRecordsKiln(store, { timeZone: 'Asia/Shanghai' });
  });
  afterAll(() => k.close());

  const offset = fc.oneof(
    // Anywhere over five days, to the millisecond.
    { weight: 2, arbitrary: fc.integer({ min: 0, max: 5 * DAY }) },
    // Or on a few shared instants (ties), including Shanghai and UTC midnights.
    {
      weight: 1,
      arbitrary: fc.constantFrom(0, 16 * 3_600_000, DAY, DAY + 16 * 3_600_000, 2 * DAY - 1, 3 * DAY + 500),
    },
  );
  const history = fc
    .integer({ min: 0, max: 45 })
    .chain((n) =>
      fc.tuple(
        fc.uniqueArray(fc.integer({ min: 1, max: 400 }), { minLength: n, maxLength: n }),
        fc.array(offset, { minLength: n, maxLength: n }),
      ),
    )
    .map(([numbers, offsets]) =>
      numbers.map((n, i) => ({ number: n, startTime: BASE + (offsets[i] as number) })),
    );

  const query = fc.record({
    startSec: fc.integer({ min: -DAY / 1000, max: 6 * 86_400 }),
    lengthSec: fc.oneof(fc.integer({ min: 0, max: 3 * 86_400 }), fc.integer({ min: 0, max: 120 })),
    pageSize: fc.oneof(fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 100 })),
    pageIndex: fc.integer({ min: 0, max: 12 }),
    version: fc.constantFrom('v3', 'v1') as fc.Arbitrary<'v3' | 'v1'>,
  });

  it('pages exactly like a naive sort-and-slice of the same builds', async () => {
    await fc.assert(
      fc.asyncProperty(history, fc.array(query, { minLength: 1, maxLength: 4 }), async (hist, queries) => {
        const job = await k.newJob();
        if (hist.length > 0)
          await k.kiln.storage.builds.insertMany(hist.map((h) => build(job, h.number, h.startTime)));
        for (const q of queries) {
          const from = BASE + q.startSec * 1000;
          const end = from + q.lengthSec * 1000;
          const res = await k.list(
            job,
            qs({
              start_time: wallAt(from, SHANGHAI),
              end_time: wallAt(end, SHANGHAI),
              page_index: q.pageIndex,
              page_size: q.pageSize,
            }),
            q.version,
          );
          const page = pageOf(res);
          const expected = naivePage(hist, from, end + 1000, q.pageIndex, q.pageSize);
          expect(page.job_build_states.map((r) => r.number)).toEqual(expected.numbers);
          expect(page.total_record).toBe(String(expected.total));
          expect(page.total_page).toBe(String(Math.ceil(expected.total / q.pageSize)));
          expect(page.page_index).toBe(String(q.pageIndex));
        }
      }),
      { numRuns: 60 },
    );
  });
});
