import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

// `kiln --version` as a real process (the built bin/kiln.js): the package's version, exit 0.

const BIN = fileURLToPath(new URL('../../bin/kiln.js', import.meta.url));
const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
  version: string;
};

it('prints the version with --version and -V', () => {
  expect(execFileSync(BIN, ['--version'], { encoding: 'utf8' })).toBe(`${version}\n`);
  expect(execFileSync(BIN, ['-V'], { encoding: 'utf8' })).toBe(`${version}\n`);
});
