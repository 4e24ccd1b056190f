import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { MirrorCache } from '../../src/runner/mirrors.ts';
import { startFlakyProxy, type FlakyProxy } from '../helpers/flaky-proxy.ts';
import { startGitDaemon, type GitDaemon } from '../helpers/git-daemon.ts';
import { TestRepo } from '../helpers/git.ts';
import { testRunnerOptions } from '../helpers/runner.ts';

/**
 * A git host that drops one connection (a reset, as a load balancer or a restarting host does)
 * costs the build nothing: the mirror's fetch is tried once more. A fetch that fails again is the
 * build's failure, as before.
 */

let daemon: GitDaemon;
let repo: TestRepo;
const proxies: FlakyProxy[] = [];
const dirs: string[] = [];

beforeAll(async () => {
  repo = new TestRepo();
  repo.commit('one', { 'v.txt': 'one\n' });
  daemon = await startGitDaemon(dirname(repo.dir));
});
afterAll(() => daemon?.stop());
afterEach(async () => {
  await Promise.all(proxies.splice(0).map((p) => p.close()));
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** Fetches `main` of `url` into a new mirror cache; what it resolved (or why not) and git's messages. */
async function fetchMain(url: string) {
  const workDir = mkdtempSync(join(tmpdir(), 'kiln-mirror-retry-'));
  dirs.push(workDir);
  const { sandbox, mirrors } = await testRunnerOptions(1, {}, workDir);
  const cache = new MirrorCache(sandbox, workDir, { ...mirrors, maxBytes: 0, maxAgeMs: 86_400_000 });
  const held = cache.hold(url);
  if ('error' in held) throw new Error(held.error);
  const logged: Buffer[] = [];
  try {
    const answer = await held.update(
      0,
      { kind: 'branch', ref: 'main', commit: '' },
      (d) => logged.push(d),
      Date.now(),
      async (r) => r,
      new AbortController().signal,
    );
    return { answer, messages: Buffer.concat(logged).toString() };
  } finally {
    held.release(0);
    await cache.close();
  }
}

const viaProxy = (proxy: FlakyProxy, name: string) => `git://${proxy.host}/${name}`;

describe('a fetch into the mirror', () => {
  it('that loses its connection once is tried again, and the build gets its commit', async () => {
    const proxy = await startFlakyProxy(Number(new URL(daemon.base).port), 1);
    proxies.push(proxy);
    const { answer, messages } = await fetchMain(viaProxy(proxy, basename(repo.dir)));
    expect(answer, messages).toMatchObject({ kind: 'branch', commitId: repo.git('rev-parse', 'HEAD') });
    expect(proxy.connections()).toBe(2);
    // The first failure is in the build's log, with the retry.
    expect(messages).toMatch(/trying the fetch once more/);
  }, 60_000);

  it('that fails again fails the build (two tries in all)', async () => {
    const proxy = await startFlakyProxy(Number(new URL(daemon.base).port), 2);
    proxies.push(proxy);
    const { answer } = await fetchMain(viaProxy(proxy, basename(repo.dir)));
    expect(answer).toEqual({ failure: 'fetch' });
    expect(proxy.connections()).toBe(2);
  }, 60_000);
});
