import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readHeadCommit } from '../../src/runner/git-head.ts';
import { TestRepo } from '../helpers/git.ts';

// The runner reads a fresh clone's HEAD commit from .git when it can; it must agree with git.
function fromGit(dir: string) {
  const [commitId, seconds, subject] = execFileSync('git', ['log', '-1', '--format=%H%x00%ct%x00%s'], {
    cwd: dir,
    encoding: 'utf8',
  })
    .trim()
    .split('\0');
  return { commitId, commitTime: Number(seconds) * 1000, subject };
}

function clone(repo: TestRepo, ...args: string[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'kiln-head-'));
  execFileSync('git', ['clone', '--quiet', ...args, '--', repo.dir, dir]);
  return dir;
}

describe('readHeadCommit', () => {
  it('reads a loose commit on a branch as git log does, multi-line subjects included', async () => {
    const repo = new TestRepo();
    repo.commit('first');
    repo.branch('release/2.0');
    repo.commit('second line one\nline two\n\nbody text', { 'a.txt': 'x' }, new Date('2023-11-21T01:48:21Z'));
    const dir = clone(repo, '--branch', 'release/2.0');
    const head = readHeadCommit(dir);
    expect(head).toEqual({ ...fromGit(dir), branch: 'release/2.0' });
    expect(head?.commitTime).toBe(Date.parse('2023-11-21T01:48:21Z'));
  });

  it('reads a detached HEAD', async () => {
    const repo = new TestRepo();
    const first = repo.commit('first');
    repo.commit('second');
    const dir = clone(repo);
    execFileSync('git', ['checkout', '--quiet', '--detach', first], { cwd: dir });
    expect(readHeadCommit(dir)).toEqual({ ...fromGit(dir), branch: '' });
  });

  it('gives up (so the runner asks git) when the commit is packed', async () => {
    const repo = new TestRepo();
    repo.commit('first');
    repo.git('gc', '--quiet');
    const dir = clone(repo);
    execFileSync('git', ['gc', '--quiet'], { cwd: dir });
    expect(readHeadCommit(dir)).toBeUndefined();
    expect(readHeadCommit(join(dir, 'nope'))).toBeUndefined();
  });
});
