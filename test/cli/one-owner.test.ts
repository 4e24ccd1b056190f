import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, expect, it, vi } from 'vitest';
import { parseConfig } from '../../src/cmd/config.ts';
import { InUseError } from '../../src/cmd/process-lock.ts';
import { startServer } from '../../src/cmd/serve.ts';
import { StartRefusedError } from '../../src/cmd/start-refused.ts';
import { freePort, runCli } from '../helpers/cli.ts';
import { KilnProcess } from '../helpers/processes.ts';
import { testProcessEnv } from '../helpers/runner.ts';

/**
 * A second `kiln serve` on a data directory another one uses started without a word: the embedded
 * store tells only its own process of new builds and log lines (the other's live logs and queued
 * builds went unheard) and keeps record pages cached that the other's writes made stale. A second
 * runner on a work directory another one uses removed the other's workspaces at its start, as
 * leftovers of a crash, under builds that were running. Each is now refused at start, saying what
 * is in use; a holder that died (kill -9) leaves nothing to clear by hand.
 */

const root = mkdtempSync(join(tmpdir(), 'kiln-one-owner-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const quiet = { logger: pino({ level: 'silent' }), notice: () => {} };

function configFor(dataDir: string, extra: Record<string, string> = {}) {
  return parseConfig({
    KILN_DATA_DIR: dataDir,
    KILN_PORT: '0',
    KILN_RUNNER_SLOTS: '0',
    KILN_ADMIN_PASSWORD: 'admin-password-1',
    KILN_PASSWORD_COST: '10',
    ...extra,
  });
}

it('a second server on the same SQLite database is refused until the first closes', async () => {
  const dataDir = join(root, 'in-process');
  const first = await startServer(configFor(dataDir), quiet);
  try {
    const second = startServer(configFor(dataDir), quiet);
    await expect(second).rejects.toThrow(InUseError);
    await expect(second).rejects.toThrow(`another Kiln server uses the database ${join(dataDir, 'kiln.db')}`);
  } finally {
    await first.close();
  }
  const again = await startServer(configFor(dataDir), quiet);
  await again.close();
});

it('two servers of other data directories on one sqlite: database are refused, naming KILN_DATABASE_URL', async () => {
  const database = `sqlite:${join(root, 'shared', 'kiln.db')}`;
  const first = await startServer(configFor(join(root, 'url-a'), { KILN_DATABASE_URL: database }), quiet);
  try {
    const second = startServer(configFor(join(root, 'url-b'), { KILN_DATABASE_URL: database }), quiet);
    await expect(second).rejects.toThrow(InUseError);
    // Another KILN_DATA_DIR would not help: the URL names the database.
    await expect(second).rejects.toThrow('stop it, or give this one another KILN_DATABASE_URL');
  } finally {
    await first.close();
  }
});

it('a default work directory it cannot make names KILN_DATA_DIR, which chose it, not KILN_WORK_DIR', async () => {
  // The database elsewhere, so that the work directory is the first thing made in the data directory.
  const file = join(root, 'a-file');
  writeFileSync(file, '');
  const config = configFor(join(file, 'data'), {
    KILN_DATABASE_URL: `sqlite:${join(root, 'work-default', 'kiln.db')}`,
    KILN_RUNNER_SLOTS: '1',
  });
  const started = startServer(config, quiet);
  await expect(started).rejects.toThrow(StartRefusedError);
  await expect(started).rejects.toThrow(`cannot write in ${join(file, 'data', 'work')} (ENOTDIR`);
  await expect(started).rejects.toThrow('KILN_DATA_DIR must name a directory Kiln may create and write');
});

it('kiln serve says the data directory is in use and exits 2; a killed holder leaves no lock', async () => {
  const dataDir = join(root, 'processes');
  const env = { KILN_DATA_DIR: dataDir, KILN_ADMIN_PASSWORD: 'admin-password-1', KILN_RUNNER_SLOTS: '0' };
  const first = await KilnProcess.serve(env);
  try {
    const second = await runCli(['serve'], {
      env: { ...testProcessEnv(), ...env, KILN_PORT: String(await freePort()) },
      timeoutMs: 15_000,
    });
    expect(second.code).toBe(2);
    expect(second.stderr).toContain('another Kiln server uses the database');
    expect(second.stderr).toContain('KILN_DATA_DIR');
  } finally {
    expect(await first.kill('SIGKILL')).toBe(null);
  }
  const third = await KilnProcess.serve(env);
  expect(await third.kill()).toBe(0);
});

it("a runner is refused a work directory another runner or a server's own runner uses", async () => {
  const workDir = join(root, 'work');
  // Nothing listens at its server: the runner keeps trying, holding its work directory.
  const nowhere = `http://127.0.0.1:${await freePort()}`;
  const first = KilnProcess.runner(nowhere, 'some-token', 1, workDir);
  try {
    await vi.waitFor(
      () => {
        expect(first.alive, first.output()).toBe(true);
        expect(first.output()).toMatch(/cannot be reached/);
      },
      { timeout: 30_000, interval: 100 },
    );
    const second = await runCli(['runner', '--server', nowhere, '--work-dir', workDir], {
      env: { ...testProcessEnv(), KILN_RUNNER_TOKEN: 'some-token' },
    });
    expect(second.code).not.toBe(0);
    expect(second.stderr).toContain(`another runner uses the work directory ${workDir}`);
    expect(second.stderr).toContain('--work-dir');

    const server = startServer(
      configFor(join(root, 'server-with-runner'), { KILN_RUNNER_SLOTS: '1', KILN_WORK_DIR: workDir }),
      quiet,
    );
    await expect(server).rejects.toThrow(`another runner uses the work directory ${workDir}`);
    await expect(server).rejects.toThrow('KILN_WORK_DIR');
  } finally {
    await first.kill();
  }
});
