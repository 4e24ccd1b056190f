import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { operations, type OperationId, type OperationSpec } from '../../src/contract/operations.ts';
import { createTestKiln, type TestKiln } from '../helpers/app.ts';
import {
  ADMIN,
  buildFixture,
  createUser,
  expectNoLeak,
  onEveryStore,
  setRole,
  tokenOf,
  type Credentials,
  type Fixture,
} from '../helpers/foundation.ts';
import { RECIPES, withToken } from '../helpers/recipes.ts';

/**
 * Every operation that takes a body or a query, sent its working recipe with one value at a time
 * made hostile: text PostgreSQL cannot hold (a NUL, a lone surrogate), text far too long, numbers
 * past int4/int8, negative, fractional or past a double (1e400). SQLite takes much of it, so this
 * runs on both stores: bad input is a 4xx in the operation's error body naming what is wrong,
 * never a 5xx (docs/errors.md).
 */

/** Signs in and changes its password with bad values, so the admin's sign-ins are never spent. */
const HOSTILE: Credentials = { name: 'hostile', password: 'hostile-password-1', domain: 'default' };
const CALLER_IS_HOSTILE = new Set<OperationId>(['keystoneCreateUserTokenByPassword', 'changeOwnPassword']);

/** A JSON text written in place of the string that carries it: numbers JSON.stringify cannot write. */
const RAW = (text: string) => `\u0001raw:${text}`;
const RAW_QUOTED = /"\\u0001raw:([^"]*)"/g;

const LONG = 'x'.repeat(100_000);
// What PostgreSQL refuses that SQLite takes (NUL, a lone surrogate, an integer past int4 or int8),
// what no column holds, and what JavaScript cannot write back (1e400): a few of each, as every
// variant is sent for every value of every operation on both stores.
const STRING_VARIANTS: unknown[] = ['a\u0000b', 'a\ud800b', LONG];
const NUMBER_VARIANTS: unknown[] = [2 ** 31, RAW('9223372036854775808'), 1.5, RAW('1e400')];
/** Query values are decoded text: invalid UTF-8 stands in for a lone surrogate. */
const QUERY_VARIANTS = ['a%00b', '%ED%A0%80', LONG, '99999999999999999999', '1e400'];

/** A value nested deeper than JSON.stringify can write back (in place of each value of a body). */
const DEEP = RAW('['.repeat(5_000) + ']'.repeat(5_000));
/** A whole body nested further still. */
const DEEPER = RAW('['.repeat(100_000) + ']'.repeat(100_000));

type Path = (string | number)[];

/** The path of every string and number in `value` (array items, object fields). */
function leaves(value: unknown, at: Path = []): { path: Path; value: string | number }[] {
  if (typeof value === 'string' || typeof value === 'number') return [{ path: at, value }];
  if (Array.isArray(value)) return value.flatMap((v, i) => leaves(v, [...at, i]));
  if (value !== null && typeof value === 'object')
    return Object.entries(value).flatMap(([k, v]) => leaves(v, [...at, k]));
  return [];
}

/** `value` with the leaf at `path` replaced. */
function replaced(value: unknown, path: Path, by: unknown): unknown {
  if (path.length === 0) return by;
  const [head, ...rest] = path;
  const copy = (Array.isArray(value) ? [...value] : { ...(value as object) }) as Record<
    string | number,
    unknown
  >;
  copy[head!] = replaced(copy[head!], rest, by);
  return copy;
}

const jsonText = (value: unknown) => JSON.stringify(value).replace(RAW_QUOTED, '$1');

interface Probe {
  what: string;
  /** What a 400 should mention, one of: a field of the path to the value, or the value itself. */
  names: string[];
  options: InjectOptions;
}

/** One request per hostile value of `base` (a working recipe request of operation `id`). */
function probesOf(id: OperationId, base: InjectOptions): Probe[] {
  const probes: Probe[] = [];
  const url = new URL(String(base.url), 'http://kiln.test');
  const template = operations[id].path.split('/');
  const segments = url.pathname.split('/');
  template.forEach((part, i) => {
    if (!part.startsWith('{')) return;
    const name = part.slice(1, -1);
    for (const variant of QUERY_VARIANTS.filter((v) => v !== LONG)) {
      const path = segments.map((s, j) => (j === i ? variant : s)).join('/');
      probes.push({
        what: `path ${name}=${variant.slice(0, 24)}`,
        names: [name, 'URL'],
        options: { ...base, url: `${path}${url.search}` },
      });
    }
  });
  // Every query parameter the operation declares, the recipe's own and the others alike.
  const query = (operations[id] as OperationSpec).query as { properties?: object } | undefined;
  const declared = query?.properties ?? {};
  const names = new Set([...url.searchParams.keys(), ...Object.keys(declared)]);
  for (const name of names) {
    for (const variant of QUERY_VARIANTS) {
      const parts = [...url.searchParams]
        .filter(([k]) => k !== name)
        .map(([k, v]) => `${k}=${encodeURIComponent(v)}`);
      parts.push(`${name}=${variant}`);
      probes.push({
        what: `query ${name}=${variant.slice(0, 24)}`,
        names: [name, 'URL'],
        options: { ...base, url: `${url.pathname}?${parts.join('&')}` },
      });
    }
  }
  const headers = { ...(base.headers as Record<string, string>), 'content-type': 'application/json' };
  const withBody = (value: unknown): InjectOptions => ({ ...base, headers, payload: jsonText(value) });
  const payload = base.payload;
  if (payload !== undefined && typeof payload === 'object' && !Buffer.isBuffer(payload)) {
    for (const leaf of leaves(payload)) {
      const variants = [...(typeof leaf.value === 'number' ? NUMBER_VARIANTS : STRING_VARIANTS), DEEP];
      const at = leaf.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${p}`)).join('');
      const fields = [at.replace(/^\./, ''), ...leaf.path.filter((p) => typeof p === 'string')];
      for (const variant of variants)
        probes.push({
          what: `body ${leaf.path.join('.')}=${JSON.stringify(variant).slice(0, 24)}`,
          names:
            variant === DEEP
              ? ['nested more than']
              : typeof variant === 'string' && variant.length < 100
                ? [...fields, variant]
                : fields,
          options: withBody(replaced(payload, leaf.path, variant)),
        });
    }
    probes.push({ what: 'body nested 100,000 deep', names: ['nested more than'], options: withBody(DEEPER) });
  }
  return probes;
}

/** What is wrong with an answer to a hostile request, or undefined. */
function faultOf(id: OperationId, probe: Probe, res: LightMyRequestResponse): string | undefined {
  const said = `${res.statusCode} ${res.body.slice(0, 200)}`;
  if (res.statusCode >= 500) return `${probe.what} -> ${said}`;
  if (res.statusCode < 400) return undefined;
  let body: Record<string, unknown>;
  try {
    body = res.json() as Record<string, unknown>;
  } catch {
    return `${probe.what} -> ${said} (not JSON)`;
  }
  const keystone = (operations[id] as OperationSpec).errorStyle === 'keystone';
  const message = keystone
    ? (body.error as { message?: unknown } | undefined)?.message
    : Object.keys(body).sort().join() === 'error_code,error_msg' && body.error_msg;
  if (typeof message !== 'string' || message.length === 0)
    return `${probe.what} -> ${said} (not a ${keystone ? 'Keystone' : 'CodeArts'} error body)`;
  expectNoLeak(message);
  if (res.statusCode === 400 && probe.names.length && !probe.names.some((n) => message.includes(n)))
    return `${probe.what} -> ${said} (names none of ${probe.names.join(', ')})`;
  return undefined;
}

const MATRIX = (Object.keys(RECIPES) as OperationId[]).filter(
  (id) => 'body' in operations[id] || 'query' in operations[id] || operations[id].path.includes('{'),
);

onEveryStore((store) => {
  describe('hostile values, one field at a time', () => {
    let kiln: TestKiln;
    let fx: Fixture;
    let hostileToken: string;
    beforeAll(async () => {
      kiln = await createTestKiln({ store });
      fx = await buildFixture(kiln);
      const id = await createUser(kiln, fx.adminToken, HOSTILE.name, HOSTILE.password);
      await setRole(kiln, fx.adminToken, fx.projectId, id, 'viewer');
      hostileToken = await tokenOf(kiln, HOSTILE);
    });
    afterAll(() => kiln?.close());

    it.each(MATRIX)('%s', async (id) => {
      const hostile = CALLER_IS_HOSTILE.has(id);
      const base = await RECIPES[id].request(fx, hostile ? HOSTILE : ADMIN);
      const token = hostile ? hostileToken : fx.adminToken;
      const faults: string[] = [];
      for (const probe of probesOf(id, base)) {
        const res = await kiln.app.inject(withToken(probe.options, token));
        const fault = faultOf(id, probe, res);
        if (fault) faults.push(fault);
      }
      expect(faults).toEqual([]);
    });
  });
});
