import { defineConfig } from 'vitest/config';

/**
 * Suites that must not run beside the busy parallel group or each other: they kill and restart
 * servers, stop a database or time a crash. They run one at a time, after the parallel group;
 * under `npm test` (scripts/test-rounds.mjs) beside the browser tests, which run one at a time too.
 */
const ALONE = ['test/e2e/**'];
/**
 * Suites that count a build's processes against its limit: builds of other suites share the
 * slots' users (and so the count), so these run last, with nothing beside them.
 */
const LAST = ['test/engine/sandbox.test.ts', 'test/e2e/unprivileged-runner.test.ts'];

export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    reporters: process.env.CI ? ['default'] : ['default'],
    // The rounds, one after the other: the suites of src/ and test/, three files at a time (they
    // mostly wait on child processes, git and the databases: on two cores, three overlap the
    // waits); the suites that run alone, one file at a time, and the dashboard's browser tests
    // (their own config: longer timeouts, one file at a time); the process-limit suites. `npm test`
    // runs each round as a vitest run of its own, and the two one-file-at-a-time rounds side by
    // side (scripts/test-rounds.mjs).
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['test/**/*.test.ts', 'src/**/*.test.ts'],
          exclude: ['test/browser/**', 'node_modules/**', ...ALONE, ...LAST],
          maxWorkers: 3,
          // A worker keeps the modules it loaded from one file to the next: each file in a fresh
          // process re-imported Kiln and its dependencies, 300 s of CPU over the round (of 1,100).
          // The suites share no global state: they make their own servers, stores and directories.
          isolate: false,
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
          exclude: LAST,
          maxWorkers: 1,
          // As in the parallel round: the files share no in-process state (they start servers,
          // runners and databases of their own), so the worker keeps the modules it loaded.
          isolate: false,
          sequence: { groupOrder: 1 },
        },
      },
      './vitest.browser.config.ts',
      {
        extends: true,
        test: {
          name: 'last',
          include: LAST,
          maxWorkers: 1,
          isolate: false,
          sequence: { groupOrder: 2 },
        },
      },
    ],
  },
});
