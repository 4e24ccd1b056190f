import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readHeadCommit } from '../../src/runner/git-head.ts';
import { linkRepository, MAX_LOOSE_REFS, readLocalRepository } from '../../src/runner/local-clone.ts';
import { TestRepo } from '../helpers/git.ts';

// A linked clone must be a repository git itself agrees with: the same refs as `git clone`, a clean
// status after checkout, history, tags and an upstream to fetch from.

function git(dir: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd: dir, encoding: 'utf8' }).trim();
}

/** A repository with two branches, an annotated and a lightweight tag, HEAD on main. */
function sample(): { repo: TestRepo; first: string; second: string; feature: string } {
  const repo = new TestRepo();
  const first = repo.commit('first', { 'a.txt': 'a\n' });
  repo.git('tag', '-a', 'v1.0', '-m', 'release one');
  repo.tag('light');
  const second = repo.commit('second', { 'b.txt': 'b\n' });
  repo.branch('feature/x');
  const feature = repo.commit('on feature', { 'c.txt': 'c\n' });
  repo.git('checkout', '--quiet', 'main');
  return { repo, first, second, feature };
}

/** A linked clone checked out as the runner does: on a branch by read-tree, else detached. */
function linked(path: string, at: { branch: string } | { detach: string }): string {
  const repo = readLocalRepository(path);
  if (!repo) throw new Error(`${path} was not read`);
  const ws = mkdtempSync(join(tmpdir(), 'kiln-linked-'));
  if ('branch' in at) {
    linkRepository(repo, ws, at.branch);
    git(ws, 'read-tree', '-u', '--reset', 'HEAD');
  } else {
    linkRepository(repo, ws);
    git(ws, 'checkout', '--quiet', '--force', '--detach', at.detach);
  }
  return ws;
}

describe('readLocalRepository', () => {
  it("reads a working copy's branches, tags (annotated ones unpeeled) and HEAD, packed or loose", () => {
    const { repo, second, feature } = sample();
    const expected = {
      path: repo.dir,
      objects: join(repo.dir, '.git', 'objects'),
      branches: new Map([
        ['main', second],
        ['feature/x', feature],
      ]),
      tags: new Map([
        ['v1.0', git(repo.dir, 'rev-parse', 'refs/tags/v1.0')],
        ['light', git(repo.dir, 'rev-parse', 'refs/tags/light')],
      ]),
      head: { branch: 'main' },
    };
    expect(readLocalRepository(repo.dir)).toEqual(expected);
    repo.git('pack-refs', '--all');
    expect(readLocalRepository(repo.dir)).toEqual(expected);
    // A branch moved after packing is loose again, and the loose ref wins.
    const third = repo.commit('third');
    expect(readLocalRepository(repo.dir)?.branches.get('main')).toBe(third);
    repo.git('checkout', '--quiet', '--detach', second);
    expect(readLocalRepository(repo.dir)?.head).toEqual({ commit: second });
  });

  it('ignores what git ignores: a ref name git refuses, such as a lock left by a push', () => {
    const { repo, second } = sample();
    writeFileSync(join(repo.dir, '.git', 'refs', 'heads', 'main.lock'), `${second}\n`);
    writeFileSync(join(repo.dir, '.git', 'refs', 'tags', '.hidden'), `${second}\n`);
    const read = readLocalRepository(repo.dir);
    expect([...(read?.branches.keys() ?? [])].sort()).toEqual(['feature/x', 'main']);
    expect([...(read?.tags.keys() ?? [])].sort()).toEqual(['light', 'v1.0']);
    const ws = linked(repo.dir, { branch: 'main' });
    git(ws, 'fetch', '--quiet');
    git(ws, 'gc', '--quiet');
  });

  it('reads a bare repository', () => {
    const { repo, second } = sample();
    const bare = mkdtempSync(join(tmpdir(), 'kiln-bare-'));
    execFileSync('git', ['clone', '--quiet', '--bare', repo.dir, bare]);
    const read = readLocalRepository(bare);
    expect(read?.objects).toBe(join(bare, 'objects'));
    expect(read?.branches.get('main')).toBe(second);
  });

  it('leaves to git clone what it does not read plainly', () => {
    const { repo } = sample();
    const worktree = join(mkdtempSync(join(tmpdir(), 'kiln-wt-')), 'wt');
    repo.git('worktree', 'add', '--quiet', worktree, 'feature/x');
    const shallow = mkdtempSync(join(tmpdir(), 'kiln-shallow-'));
    execFileSync('git', ['clone', '--quiet', '--depth=1', `file://${repo.dir}`, shallow]);
    const sha256 = mkdtempSync(join(tmpdir(), 'kiln-sha256-'));
    execFileSync('git', ['init', '--quiet', '--object-format=sha256', sha256]);
    const manyTags = sample().repo;
    const symbolic = sample().repo;
    symbolic.git('symbolic-ref', 'refs/heads/master', 'refs/heads/main');
    expect(readLocalRepository(symbolic.dir)).toBeUndefined();
    const creates = Array.from({ length: MAX_LOOSE_REFS + 1 }, (_, i) => `create refs/tags/t${i} HEAD\n`);
    execFileSync('git', ['update-ref', '--stdin'], { cwd: manyTags.dir, input: creates.join('') });
    expect(readLocalRepository(manyTags.dir)).toBeUndefined();
    manyTags.git('pack-refs', '--all');
    expect(readLocalRepository(manyTags.dir)?.tags.size).toBe(MAX_LOOSE_REFS + 3);
    for (const path of [
      worktree,
      shallow,
      sha256,
      tmpdir(),
      join(tmpdir(), 'kiln-no-such-dir'),
      'relative/repo',
    ]) {
      expect(readLocalRepository(path), path).toBeUndefined();
    }
  });
});

describe('linkRepository', () => {
  it('makes a clone git agrees with: branch with upstream, clean status, history, tags', () => {
    const { repo, first, feature } = sample();
    const ws = linked(repo.dir, { branch: 'feature/x' });
    expect(git(ws, 'rev-parse', 'HEAD')).toBe(feature);
    expect(git(ws, 'status', '--porcelain')).toBe('');
    expect(git(ws, 'rev-parse', '--abbrev-ref', '@{upstream}')).toBe('origin/feature/x');
    expect(git(ws, 'log', '--format=%s')).toBe('on feature\nsecond\nfirst');
    expect(git(ws, 'describe', '--tags', first)).toBe(git(repo.dir, 'describe', '--tags', first));
    expect(git(ws, 'rev-parse', 'v1.0^{commit}')).toBe(first);
    expect(git(ws, 'config', 'remote.origin.url')).toBe(repo.dir);
    expect(git(ws, 'rev-parse', '--abbrev-ref', 'origin/HEAD')).toBe('origin/main');
    git(ws, 'fsck', '--no-progress');
    // It fetches from its origin like any clone.
    const newer = repo.commit('newer');
    git(ws, 'fetch', '--quiet');
    expect(git(ws, 'rev-parse', 'origin/main')).toBe(newer);
  });

  it('quotes a branch name git allows a double quote in', () => {
    const { repo, second } = sample();
    repo.git('branch', 'say"hi', second);
    const ws = linked(repo.dir, { branch: 'say"hi' });
    expect(git(ws, 'rev-parse', '--abbrev-ref', '@{upstream}')).toBe('origin/say"hi');
    expect(git(ws, 'status', '--porcelain')).toBe('');
  });

  it('checks out an annotated tag and a commit detached; HEAD reads through the borrowed objects', () => {
    const { repo, first, second } = sample();
    const tagged = linked(repo.dir, { detach: 'refs/tags/v1.0' });
    expect(git(tagged, 'rev-parse', 'HEAD')).toBe(first);
    // Directories Kiln did not make (refs/heads, objects/pack) git makes when it needs them.
    git(tagged, 'switch', '--quiet', '-c', 'local-work');
    git(tagged, 'gc', '--quiet');
    expect(git(tagged, 'branch', '--show-current')).toBe('local-work');
    const ws = linked(repo.dir, { detach: second });
    expect(readHeadCommit(ws)).toMatchObject({ commitId: second, subject: 'second', branch: '' });
    // The workspace's own objects directory holds nothing: every object is borrowed.
    expect(git(ws, 'count-objects')).toMatch(/^0 objects/);
  });

  it('works from a repository whose refs and objects are packed', () => {
    const { repo, second } = sample();
    repo.git('gc', '--quiet');
    const ws = linked(repo.dir, { branch: 'main' });
    expect(git(ws, 'rev-parse', 'HEAD')).toBe(second);
    expect(git(ws, 'status', '--porcelain')).toBe('');
    // The branch tracks origin's: a pull takes what the repository gained since.
    const newer = repo.commit('newer');
    git(ws, 'pull', '--quiet', '--ff-only');
    expect(git(ws, 'rev-parse', 'HEAD')).toBe(newer);
    rmSync(ws, { recursive: true });
  });
});
