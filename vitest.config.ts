import { defineConfig } from 'vitest/config';

/**
 * Suites that must not run beside each other or the busy parallel group: they kill and restart
 * servers, stop databases, count processes against a limit or time a crash. They run one at a
 * time, after the rest (beside the browser tests, which run one at a time too).
 */
const ALONE = ['test/e2e/**', 'test/engine/sandbox.test.ts'];

export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    reporters: process.env.CI ? ['default'] : ['default'],
    // `npm test` runs the suites of src/ and test/ first, three files at a time (they mostly wait
    // on child processes, git and the databases: on two cores, three overlap the waits); then the
    // suites that run alone, one file at a time, beside the dashboard's browser tests (their own
    // config: longer timeouts, one file at a time).
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['test/**/*.test.ts', 'src/**/*.test.ts'],
          exclude: ['test/browser/**', 'node_modules/**', ...ALONE],
          maxWorkers: 3,
          // Three files at once on two cores: a test that starts many processes (the CLI suites)
          // takes up to twice as long as alone.
          testTimeout: 60_000,
          sequence: { groupOrder: 0 },
        },
      },
      {
        extends: true,
        test: {
          name: 'alone',
          include: ALONE,
          maxWorkers: 1,
          sequence: { groupOrder: 1 },
        },
      },
      './vitest.browser.config.ts',
    ],
  },
});
