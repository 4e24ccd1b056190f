import { defineConfig } from 'vitest/config';

/**
 * The dashboard's tests: its pure parts in Node, and the browser story that drives Debian's
 * Chromium (playwright-core) against a real `kiln serve`. They need `npm run build` first (the
 * server from dist/, the dashboard from web/dist); `npm test` and `npm run test:browser` do it.
 */
export default defineConfig({
  test: {
    name: 'browser',
    include: ['test/browser/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // What the page shows may take a few seconds on a loaded machine (vitest's default is 1 s).
    expect: { poll: { timeout: 5_000 } },
    pool: 'forks',
    // One worker runs the files one after the other and keeps the modules it loaded (playwright,
    // Kiln's client): each file in a fresh process re-imported them. The files share one Chromium
    // (test/browser/helpers/chromium.ts), nothing else: each starts its own server and browser
    // context.
    isolate: false,
    // One file, so one server, at a time: under `npm test` the round has a core of its own beside
    // the round of suites that run alone (vitest.config.ts).
    fileParallelism: false,
    // After the parallel suites (vitest.config.ts); under `npm test`, beside the ones that run alone.
    sequence: { groupOrder: 1 },
  },
});
