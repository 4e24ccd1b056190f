import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

/**
 * package.json `engines.node` promises a Node 20 that every installed package accepts: its minimum
 * is at least the highest Node 20 minimum any package of the lock file declares (vite and eslint,
 * which `npm start` and `npm test` run, ask for 20.19). Packages that declare no Node 20 at all are
 * named below with why they are kept: the whole suite runs on Node 20.
 */
const NOT_ON_20_YET_RUN_ON_20: Record<string, string> = {
  // @fastify/static 10's dependency: declares >=22, uses nothing Node 20 lacks (the static tests run).
  'node_modules/content-disposition': '>=22',
  // light-my-request's (fastify.inject): the same.
  'node_modules/cookie': '>=22',
};

type Version = [number, number, number];
const parse = (v: string): Version => {
  const [a = 0, b = 0, c = 0] = v
    .replace(/[.]?[x*]/g, '')
    .split('.')
    .map(Number);
  return [a, b, c];
};
const compare = (x: Version, y: Version) => x[0] - y[0] || x[1] - y[1] || x[2] - y[2];

/** The lowest Node 20.x a range accepts, or undefined when it accepts none (ranges as npm writes them). */
export function lowest20(range: string): Version | undefined {
  let best: Version | undefined;
  for (const alternative of range.split('||').map((a) => a.trim())) {
    let low: Version = [20, 0, 0];
    let accepts = true;
    for (const [, op = '', v = ''] of alternative === '*'
      ? []
      : alternative.matchAll(/(\^|>=|<=|<|>|~)?\s*v?([\d.x*]+)/g)) {
      const version = parse(v);
      if (op === '>=' || op === '>') {
        if (version[0] > 20) accepts = false;
        else if (version[0] === 20 && compare(version, low) > 0) low = version;
      } else if (op === '<' || op === '<=') {
        if (version[0] <= 20 && !(op === '<=' && version[0] === 20)) accepts = false;
      } else if (version[0] !== 20) accepts = false;
      else if (compare(version, low) > 0) low = version;
    }
    if (accepts && (!best || compare(low, best) < 0)) best = low;
  }
  return best;
}

describe('engines.node', () => {
  const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { engines: { node: string } };
  const lock = JSON.parse(readFileSync('package-lock.json', 'utf8')) as {
    packages: Record<string, { engines?: { node?: string } | string[]; optional?: boolean }>;
  };

  it('reads ranges as npm writes them', () => {
    expect(lowest20('^20.19.0 || >=22.12.0')).toEqual([20, 19, 0]);
    expect(lowest20('>=18.18.0')).toEqual([20, 0, 0]);
    expect(lowest20('^20.12||^22||>=24')).toEqual([20, 12, 0]);
    expect(lowest20('20 || >=22')).toEqual([20, 0, 0]);
    expect(lowest20('>=20.11.0')).toEqual([20, 11, 0]);
    expect(lowest20('>=22')).toBeUndefined();
    expect(lowest20('>=6 <7 || >=8')).toEqual([20, 0, 0]);
    expect(lowest20('*')).toEqual([20, 0, 0]);
    expect(lowest20('>=v12.22.7')).toEqual([20, 0, 0]);
  });

  it('is at least what every installed package needs of Node 20', () => {
    const ours = lowest20(pkg.engines.node);
    expect(ours).toBeDefined();
    for (const [path, entry] of Object.entries(lock.packages)) {
      const range = Array.isArray(entry.engines) ? undefined : entry.engines?.node;
      if (!path || !range || entry.optional) continue;
      const theirs = lowest20(range);
      if (!theirs) {
        expect(NOT_ON_20_YET_RUN_ON_20[path], `${path} declares ${range}`).toBe(range);
        continue;
      }
      expect(
        compare(ours!, theirs),
        `${path} needs ${range}; engines says ${pkg.engines.node}`,
      ).toBeGreaterThanOrEqual(0);
    }
  });
});
