import { chmodSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { parseRunnerConfig } from '../../src/cmd/config.ts';
import { runnerOptions } from '../../src/cmd/runner-setup.ts';
import type { RunnerOptions } from '../../src/runner/runner.ts';
import { TEST_REPOS } from './git.ts';

/**
 * A directory builds may read (KILN_SANDBOX_READ_ONLY): tests put the files a build waits for in
 * it. Readable by everyone: when the tests run as root, builds do not.
 */
export const TEST_SHARED = join(tmpdir(), 'kiln-test-shared');
mkdirSync(TEST_SHARED, { recursive: true, mode: 0o755 });
chmodSync(TEST_SHARED, 0o755);

/** A fresh directory under TEST_SHARED. */
export function sharedDir(prefix: string): string {
  const dir = mkdtempSync(join(TEST_SHARED, `${prefix}-`));
  chmodSync(dir, 0o755);
  return dir;
}

/**
 * scrypt's cost for the tests' password hashes (log2 of N), in-process and in `kiln serve`
 * processes (KILN_PASSWORD_COST): at Kiln's default each server's first admin and each sign-in
 * took about 0.7 s of CPU, a sixth of the CLI suites' time.
 */
export const TEST_PASSWORD_COST = 10;

/** What every `kiln serve` and `kiln runner` a test starts gets: testRunnerEnv() and cheap password hashes. */
export function testProcessEnv(): Record<string, string> {
  return { ...testRunnerEnv(), KILN_PASSWORD_COST: String(TEST_PASSWORD_COST) };
}

/** The runner settings every test runner gets: test repositories and TEST_SHARED, the sandbox as the environment says. */
export function testRunnerEnv(): Record<string, string> {
  return {
    // Each test process's builds run as users of its own (root runners of one host need ranges of
    // their own: docs/security.md): suites running at once share no process limit.
    KILN_SANDBOX_UID: String(1_000_000 + (process.pid % 50_000) * 20),
    KILN_LOCAL_REPOSITORIES: TEST_REPOS,
    KILN_SANDBOX_READ_ONLY: TEST_SHARED,
    ...(process.env.KILN_SANDBOX && { KILN_SANDBOX: process.env.KILN_SANDBOX }),
  };
}

/**
 * A runner's options as `kiln runner` makes them: the real sandbox (bubblewrap) unless the test
 * environment says KILN_SANDBOX=off, test repositories allowed as local repositories, and `env`
 * for any other setting.
 */
export async function testRunnerOptions(
  slots: number,
  env: Record<string, string> = {},
  workDir = mkdtempSync(join(tmpdir(), 'kiln-work-')),
): Promise<RunnerOptions> {
  const config = parseRunnerConfig({ ...testRunnerEnv(), ...env });
  return runnerOptions(config, {
    slots,
    workDir,
    path: process.env.PATH ?? '/usr/bin:/bin',
    logger: pino({ level: process.env.KILN_TEST_LOG ?? 'silent' }),
  });
}
