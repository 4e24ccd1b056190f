import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';

/**
 * Every installed package supports the Node.js the README names (package.json `engines`): `npm ci`
 * on that Node prints no EBADENGINE warning. A new dependency that needs a later Node fails here,
 * not on a user's machine.
 */

const satisfies = createRequire(import.meta.url)('semver/functions/satisfies') as (
  version: string,
  range: string,
) => boolean;
const minVersion = createRequire(import.meta.url)('semver/ranges/min-version') as (range: string) => {
  version: string;
};

interface Lock {
  packages: Record<string, { engines?: { node?: string } | string[]; dev?: boolean; optional?: boolean }>;
}

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
  engines: { node: string };
};
const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

it('names in the README the Node.js that package.json requires', () => {
  const least = minVersion(pkg.engines.node).version.replace(/\.0$/, '');
  expect(readme).toContain(`Node.js ${least} (or later)`);
});

it('installs only packages that support that Node.js', () => {
  const node = minVersion(pkg.engines.node).version;
  const lock = JSON.parse(readFileSync(new URL('../../package-lock.json', import.meta.url), 'utf8')) as Lock;
  const unsupported = Object.entries(lock.packages)
    .filter(([path, p]) => path !== '' && p.engines && !Array.isArray(p.engines) && p.engines.node)
    .filter(([, p]) => !satisfies(node, (p.engines as { node: string }).node))
    .map(([path, p]) => `${path} (node ${(p.engines as { node: string }).node})`);
  expect(unsupported).toEqual([]);
});
