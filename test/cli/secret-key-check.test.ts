import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { freePort, runCli, startServerProcess } from '../helpers/cli.ts';
import { testProcessEnv } from '../helpers/runner.ts';

// A server started with another KILN_SECRET_KEY than the one that sealed the database refuses to
// start (it started, and answered 500 to whatever touched a stored secret).

const dataDir = mkdtempSync(join(tmpdir(), 'kiln-secret-key-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

const FIRST = 'the-first-secret-key-0123';
const OTHER = 'another-secret-key-4567';
const env = (key: string, extra: Record<string, string> = {}) => ({
  KILN_DATA_DIR: dataDir,
  KILN_RUNNER_SLOTS: '0',
  KILN_SECRET_KEY: key,
  ...extra,
});
const serve = async (key: string, extra: Record<string, string> = {}) =>
  runCli(['serve'], {
    env: { ...testProcessEnv(), ...env(key, extra), KILN_PORT: String(await freePort()) },
  });

it('refuses a start with another KILN_SECRET_KEY, naming it, until given the fingerprint it printed', async () => {
  await (await startServerProcess({ env: env(FIRST) })).stop();

  const other = await serve(OTHER);
  expect(other.code, other.stderr).toBe(2);
  const fingerprint = /KILN_SECRET_KEY_REPLACED=([0-9a-f]{16}) /.exec(other.stderr)?.[1] ?? '';
  expect(other.stderr).toBe(
    'kiln: KILN_SECRET_KEY is not the key that sealed the secrets stored in the database (access keys, webhook secrets, notification settings, files, job secrets): ' +
      'start Kiln with the key that sealed them; every server of a cluster needs the same KILN_SECRET_KEY ' +
      `(if that key is lost: start one server once with KILN_SECRET_KEY_REPLACED=${fingerprint} to make this key the database's)\n`,
  );
  expect(other.stderr).not.toContain(OTHER);
  expect(other.stdout).not.toContain('created the user');

  // The key was lost: the other key becomes the database's, and the first one is refused after,
  // even with the setting left in place.
  await (await startServerProcess({ env: env(OTHER, { KILN_SECRET_KEY_REPLACED: fingerprint }) })).stop();
  const first = await serve(FIRST, { KILN_SECRET_KEY_REPLACED: fingerprint });
  expect(first.code, first.stderr).toBe(2);
});
