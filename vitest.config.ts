import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    reporters: process.env.CI ? ['default'] : ['default'],
    // `npm test` runs both: the suites of src/ and test/, and the dashboard's browser tests
    // (their own config: longer timeouts, one file at a time).
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['test/**/*.test.ts', 'src/**/*.test.ts'],
          exclude: ['test/browser/**', 'node_modules/**'],
        },
      },
      './vitest.browser.config.ts',
    ],
  },
});
