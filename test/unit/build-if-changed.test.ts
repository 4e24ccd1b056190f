import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, expect, it } from 'vitest';

/**
 * `npm start` builds only what changed (scripts/build-if-changed.mjs), decided by modification
 * times: a checkout whose outputs are newer than every input is not rebuilt; an edit to the
 * dashboard rebuilds the dashboard only; an edit to src/ both (the dashboard imports it).
 */

const SCRIPT = fileURLToPath(new URL('../../scripts/build-if-changed.mjs', import.meta.url));
const root = mkdtempSync(join(tmpdir(), 'kiln-build-check-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const at = (path: string, seconds: number) => {
  const file = join(root, path);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, path);
  utimesSync(file, seconds, seconds);
};
const plan = () => execFileSync('node', [SCRIPT, '--root', root, '--dry-run'], { encoding: 'utf8' });

it('rebuilds nothing when the outputs are newer than every input, and each part when its inputs changed', () => {
  for (const input of ['src/cmd/main.ts', 'web/src/app.tsx', 'package.json', 'package-lock.json'])
    at(input, 1_000);
  at('scripts/build-server.ts', 1_000);
  at('dist/cmd/main.js', 2_000);
  at('web/dist/index.html', 2_000);
  expect(plan()).toBe(
    'kiln: dist/cmd/main.js is up to date (npm run build:server rebuilds it)\n' +
      'kiln: web/dist/index.html is up to date (npm run build:web rebuilds it)\n',
  );
  at('web/src/app.tsx', 3_000);
  expect(plan()).toMatch(/main\.js is up to date.*\n.*index\.html would be rebuilt/);
  at('src/cmd/main.ts', 4_000);
  expect(plan()).toMatch(/main\.js would be rebuilt.*\n.*index\.html would be rebuilt/);
});

it('builds what was never built', () => {
  rmSync(join(root, 'dist'), { recursive: true, force: true });
  at('src/cmd/main.ts', 1_000);
  at('web/src/app.tsx', 1_000);
  expect(plan()).toMatch(/^kiln: dist\/cmd\/main\.js would be rebuilt/);
});
