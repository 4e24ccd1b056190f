import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { mirrorFailureReason } from '../../src/runner/checkout.ts';
import { MirrorCache, type MirrorSettings, type Wanted } from '../../src/runner/mirrors.ts';
import { TestRepo } from '../helpers/git.ts';
import { waitUntil } from '../helpers/engine.ts';
import { testRunnerOptions } from '../helpers/runner.ts';

/**
 * The runner's mirrors stay within their caps: the least recently used idle mirror goes while
 * they take more than KILN_MIRROR_MAX_BYTES, a mirror unused for KILN_MIRROR_MAX_AGE_DAYS goes, a
 * mirror a build holds never goes, and concurrent builds of one repository share its mirror safely.
 */

const MB = 1024 * 1024;
const caches: MirrorCache[] = [];
const dirs: string[] = [];
/** What the caches reported through onError, shown when a wait times out. */
const errors: string[] = [];
afterEach(async () => {
  errors.length = 0;
  await Promise.all(caches.splice(0).map((c) => c.close()));
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function newCache(settings: Partial<MirrorSettings>): Promise<{ cache: MirrorCache; dir: string }> {
  const workDir = mkdtempSync(join(tmpdir(), 'kiln-mirrors-'));
  dirs.push(workDir);
  return { cache: await cacheIn(workDir, settings), dir: join(workDir, 'mirrors') };
}

/** A runner's mirrors in `workDir`, with the runner's real sandbox and these caps. */
async function cacheIn(workDir: string, settings: Partial<MirrorSettings>): Promise<MirrorCache> {
  const { sandbox, mirrors } = await testRunnerOptions(1, {}, workDir);
  const cache = new MirrorCache(
    sandbox,
    workDir,
    {
      ...mirrors,
      maxBytes: 1024 * MB,
      maxAgeMs: 86_400_000,
      ...settings,
    },
    (error, context) => errors.push(`${context}: ${(error as Error).message}`),
  );
  caches.push(cache);
  return cache;
}

/** A repository of about `mb` megabytes (random bytes do not compress). */
function repoOf(mb: number): TestRepo {
  const repo = new TestRepo();
  repo.commit('data', { 'data.bin': randomBytes(mb * MB).toString('latin1') });
  return repo;
}

/**
 * The sources of the mirrors on disk (a local repository's is its path). A mirror the cache
 * removes while this reads it is not counted.
 */
function mirrored(dir: string): string[] {
  return readdirSync(dir)
    .filter((n) => n.endsWith('.git'))
    .flatMap((n) => {
      try {
        const url = execFileSync('git', ['config', '--file', join(dir, n, 'config'), 'remote.origin.url'], {
          encoding: 'utf8',
          stdio: ['ignore', 'pipe', 'ignore'],
        });
        return [url.trim()];
      } catch {
        return [];
      }
    })
    .sort();
}

/** One build's use of a mirror (on runner slot `slot`): fetch and resolve `main`, then let go. */
async function build(
  cache: MirrorCache,
  repo: TestRepo,
  holdUntil?: Promise<void>,
  slot = 0,
): Promise<string> {
  const held = cache.hold(repo.url);
  if ('error' in held) throw new Error(held.error);
  try {
    const resolved = await held.update(
      slot,
      { kind: 'branch', ref: 'main', commit: '' },
      () => {},
      Date.now(),
      async (r) => {
        await holdUntil;
        return r;
      },
      new AbortController().signal,
    );
    if ('failure' in resolved) throw new Error(`mirror failed: ${JSON.stringify(resolved)}`);
    return resolved.commitId;
  } finally {
    held.release(slot);
  }
}

/** One build's update of `url`'s mirror on slot 0, git's messages kept in `logged`; its answer. */
async function update(cache: MirrorCache, url: string, want: Wanted, logged: Buffer[]) {
  const held = cache.hold(url);
  if ('error' in held) throw new Error(held.error);
  try {
    return await held.update(
      0,
      want,
      (d) => logged.push(d),
      Date.now(),
      async (r) => r,
      new AbortController().signal,
    );
  } finally {
    held.release(0);
  }
}

describe('mirror caps', () => {
  it('removes the least recently used idle mirrors while they take more than the byte cap', async () => {
    const [a, b, c] = [repoOf(1), repoOf(1), repoOf(1)];
    const { cache, dir } = await newCache({ maxBytes: 2.5 * MB });
    await build(cache, a);
    await build(cache, b);
    await waitUntil('two mirrors', () => (mirrored(dir).length === 2 ? true : undefined), 30_000);
    await build(cache, c);
    // a, b, c take about 3 MB: a, used longest ago, goes.
    await waitUntil(
      'a removed',
      () => (mirrored(dir).join() === [b.dir, c.dir].sort().join() ? true : undefined),
      30_000,
    ).catch((e: unknown) => {
      throw new Error(`${(e as Error).message}; the cache reported: ${errors.join('; ') || 'nothing'}`);
    });
  }, 90_000);

  it('removes a mirror unused for longer than the age cap, never one a build holds', async () => {
    const [a, b] = [repoOf(0), repoOf(0)];
    const { cache, dir } = await newCache({ maxAgeMs: 0 });
    let letGo = () => {};
    const holding = build(cache, a, new Promise<void>((r) => (letGo = r)));
    await waitUntil('a mirrored', () => (mirrored(dir).includes(a.dir) ? true : undefined), 30_000);
    await build(cache, b);
    await waitUntil('b removed', () => (mirrored(dir).includes(b.dir) ? undefined : true), 30_000);
    expect(mirrored(dir)).toEqual([a.dir]);
    letGo();
    expect(await holding).toBe(a.git('rev-parse', 'HEAD'));
    await waitUntil('a removed', () => (mirrored(dir).length === 0 ? true : undefined), 30_000);
  });

  it('lets concurrent builds of one repository share its mirror, each getting the commit it resolved', async () => {
    const repo = repoOf(0);
    const { cache, dir } = await newCache({});
    const heads: string[] = [];
    const results = await Promise.all(
      Array.from({ length: 6 }, async (_, i) => {
        if (i % 2 === 1) heads.push(repo.commit(`c${i}`, { 'n.txt': `${i}\n` }));
        return build(cache, repo);
      }),
    );
    expect(mirrored(dir)).toEqual([repo.dir]);
    for (const id of results) expect(id).toMatch(/^[0-9a-f]{40}$/);
    // Every build got a commit of the branch, and the last one the newest head.
    const all = repo.git('rev-list', 'main').split('\n');
    for (const id of results) expect(all).toContain(id);
    expect(results.at(-1)).toBe(repo.git('rev-parse', 'HEAD'));
    expect(heads.at(-1)).toBe(repo.git('rev-parse', 'HEAD'));
  });

  it('makes the first mirrors of two repositories on two slots at once, each from its own repository', async () => {
    // Each slot has a keeper of its own, and they all share the keeper's ctl directory: their
    // commands once went through the same files there, so one keeper could run the other's.
    for (let round = 0; round < 4; round++) {
      const [a, b] = [repoOf(0), repoOf(0)];
      const { cache, dir } = await newCache({});
      const heads = await Promise.all([build(cache, a, undefined, 0), build(cache, b, undefined, 1)]);
      expect(heads).toEqual([a.git('rev-parse', 'HEAD'), b.git('rev-parse', 'HEAD')]);
      expect(mirrored(dir)).toEqual([a.dir, b.dir].sort());
    }
  });

  it('measures the mirrors it finds at start, so a restarted runner keeps to the cap', async () => {
    const [a, b] = [repoOf(1), repoOf(1)];
    const first = await newCache({});
    await build(first.cache, a);
    await first.cache.close();
    const again = await cacheIn(join(first.dir, '..'), { maxBytes: 1.5 * MB });
    await build(again, b);
    await waitUntil('a removed', () => (mirrored(first.dir).join() === b.dir ? true : undefined), 30_000);
  });

  it('fails a fetch that writes a file past the byte cap, saying so, and keeps nothing of it', async () => {
    const repo = repoOf(2);
    const { cache, dir } = await newCache({ maxBytes: MB });
    const logged: Buffer[] = [];
    // A repository named by its path is copied into the mirror from the sandbox's read-only view
    // of it (without the sandbox, on one filesystem, git links its files instead: nothing written).
    const urls = process.env.KILN_SANDBOX === 'off' ? [] : [repo.dir];
    for (const url of [...urls, `file://${repo.dir}`]) {
      const failed = await update(cache, url, { kind: 'branch', ref: 'main', commit: '' }, logged);
      expect(failed).toEqual({ failure: 'too-big', maxBytes: MB });
    }
    expect(Buffer.concat(logged).toString()).toMatch(/File too large/);
    expect(
      mirrorFailureReason({ failure: 'too-big', maxBytes: MB }, {
        url: repo.dir,
      } as Parameters<typeof mirrorFailureReason>[1]),
    ).toBe(
      `${repo.dir} is too large for the runner's repository mirrors: a file of its fetch grew past their cap of 1 MiB (KILN_MIRROR_MAX_BYTES)`,
    );
    // What the failed fetches wrote is gone once the cache is done with them.
    await waitUntil(
      'nothing kept',
      () =>
        Number(execFileSync('du', ['-sb', dir], { encoding: 'utf8' }).split('\t')[0]) < MB ? true : undefined,
      30_000,
    );
  });

  it('fails a commit build whose commit, on no branch or tag, brings a file past the byte cap, saying so', async () => {
    const repo = new TestRepo();
    repo.commit('small', { 'a.txt': 'a\n' });
    const { cache } = await newCache({ maxBytes: MB });
    await build(cache, repo);
    // A large commit only its id names (its branch is gone): the mirror's ref fetch does not bring
    // it; the commit build fetches it by id.
    repo.branch('large');
    const large = repo.commit('large', { 'data.bin': randomBytes(2 * MB).toString('latin1') });
    repo.git('checkout', '--quiet', 'main');
    repo.git('branch', '--quiet', '-D', 'large');
    const logged: Buffer[] = [];
    const failed = await update(cache, repo.url, { kind: 'commit', ref: '', commit: large }, logged);
    expect(failed).toEqual({ failure: 'too-big', maxBytes: MB });
    expect(Buffer.concat(logged).toString()).toMatch(/File too large/);
  });

  it('makes again a mirror whose first clone was stopped halfway', async () => {
    const repo = new TestRepo();
    const head = repo.commit('one', { 'a.txt': 'a\n' });
    const { cache, dir } = await newCache({});
    expect(await build(cache, repo)).toBe(head);
    // As a clone killed before its end leaves it: a repository without its origin, not marked made.
    const [mirror] = readdirSync(dir).filter((n) => n.endsWith('.git'));
    const config = join(dir, mirror as string, 'config');
    for (const key of ['gc.auto', 'remote.origin.url'])
      execFileSync('git', ['config', '--file', config, '--unset', key]);
    const next = repo.commit('two', { 'a.txt': 'b\n' });
    expect(await build(cache, repo)).toBe(next);
    expect(mirrored(dir)).toEqual([repo.dir]);
  });

  it('fetches past the lock files and partial pack a stopped fetch leaves behind', async () => {
    const repo = new TestRepo();
    repo.commit('one', { 'a.txt': 'a\n' });
    const { cache, dir } = await newCache({});
    await build(cache, repo);
    const [mirror] = readdirSync(dir).filter((n) => n.endsWith('.git'));
    const at = (...parts: string[]) => join(dir, mirror as string, ...parts);
    for (const left of [
      at('packed-refs.lock'),
      at('refs', 'heads', 'main.lock'),
      at('objects', 'pack', 'tmp_pack_x'),
    ])
      writeFileSync(left, '');
    const next = repo.commit('two', { 'a.txt': 'b\n' });
    expect(await build(cache, repo)).toBe(next);
    expect(existsSync(at('objects', 'pack', 'tmp_pack_x'))).toBe(false);
  });

  it('a build stopped while its host never answers ends its git at once, and the slot fetches again', async () => {
    // A "git server" that takes the connection and never says a word.
    const sockets: Socket[] = [];
    let closed = 0;
    const silent = createServer((socket) => {
      sockets.push(socket);
      socket.resume(); // read (and drop) what git sends, so that its end is seen
      socket.on('close', () => closed++);
    });
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    try {
      const { cache } = await newCache({});
      const url = `git://127.0.0.1:${(silent.address() as AddressInfo).port}/silent.git`;
      const held = cache.hold(url);
      if ('error' in held) throw new Error(held.error);
      const stop = new AbortController();
      const fetching = held.update(
        0,
        { kind: 'branch', ref: 'main', commit: '' },
        () => {},
        Date.now(),
        async (r) => r,
        stop.signal,
      );
      await waitUntil('git connects', async () => sockets.length > 0 || undefined, 15_000);
      stop.abort();
      expect(await fetching).toMatchObject({ failure: expect.any(String) });
      held.release(0);
      // git was ended (its connection closed), and the slot's keeper runs the next build.
      await waitUntil('the connection closed', async () => closed === sockets.length || undefined, 15_000);
      const repo = new TestRepo();
      const head = repo.commit('one', { 'a.txt': 'a\n' });
      expect(await build(cache, repo)).toBe(head);
    } finally {
      for (const s of sockets) s.destroy();
      silent.close();
    }
  }, 60_000);

  it('an HTTP host that takes the connection and never answers fails the fetch once it stalls', async () => {
    const sockets: Socket[] = [];
    const silent = createServer((socket) => {
      sockets.push(socket);
      socket.resume();
    });
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    try {
      const { cache } = await newCache({ httpStallSeconds: 2 });
      const held = cache.hold(`http://127.0.0.1:${(silent.address() as AddressInfo).port}/silent.git`);
      if ('error' in held) throw new Error(held.error);
      const messages: Buffer[] = [];
      const resolved = await held.update(
        0,
        { kind: 'branch', ref: 'main', commit: '' },
        (d) => messages.push(d),
        Date.now(),
        async (r) => r,
        new AbortController().signal,
      );
      held.release(0);
      expect(resolved).toEqual({ failure: 'fetch' });
      expect(Buffer.concat(messages).toString()).toContain('Operation too slow');
    } finally {
      for (const s of sockets) s.destroy();
      silent.close();
    }
  }, 60_000);
});
