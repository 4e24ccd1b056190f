import { describe, expect, it } from 'vitest';
import {
  pushedRepositoryIs,
  repositoryNameOf,
  repositoryUrlProblem,
  sameRepository,
} from '../../src/domain/scm.ts';

/** A repository's name as CodeArts shows it (ShowLastHistory, the build reports), never its credentials. */
describe('repositoryNameOf', () => {
  it('is the last path segment without .git', () => {
    expect(repositoryNameOf('https://example.com/team/app.git')).toBe('app');
    expect(repositoryNameOf('https://example.com/team/app/')).toBe('app');
    expect(repositoryNameOf('git@github.com:o/r.git')).toBe('r');
    expect(repositoryNameOf('https://example.com/team/app.git?ref=x#y')).toBe('app');
  });

  it('never gives the userinfo of a URL, even one with no path', () => {
    expect(repositoryNameOf('https://ci-bot:tok-secret@example.com/team/app.git')).toBe('app');
    expect(repositoryNameOf('https://tok-secret@example.com')).toBe('example.com');
    expect(repositoryNameOf('https://user:tok-secret@example.com/')).toBe('example.com');
  });
});

/** What a job's scms[0].url may be: what git fetches, refused at save time otherwise. */
describe('repositoryUrlProblem', () => {
  it('takes the URLs and paths git fetches', () => {
    for (const url of [
      'https://example.com/team/app.git',
      'https://ci-bot:tok@example.com/team/app.git',
      'http://127.0.0.1:8080/r.git',
      'ssh://git@example.com:2222/team/app.git',
      'git://127.0.0.1/r.git',
      'file:///srv/repos/app',
      'git@github.com:o/r.git',
      'example.com:team/app.git',
      '/srv/repos/my app',
    ])
      expect(repositoryUrlProblem(url), url).toBeUndefined();
  });

  it('says what is wrong with what git cannot fetch', () => {
    expect(repositoryUrlProblem('hello world')).toMatch(/must be a repository URL .* or an absolute path/);
    expect(repositoryUrlProblem('team/app.git')).toMatch(/must be a repository URL/);
    expect(repositoryUrlProblem('svn://example.com/r')).toBe(
      'uses svn://, which git does not fetch from: use https://, ssh://, git:// or file://',
    );
    expect(repositoryUrlProblem('https:///team/app.git')).toBe('has no host after https://');
    expect(repositoryUrlProblem('file://')).toBe('has no host after file://');
    expect(repositoryUrlProblem('ext::sh -c touch% /tmp/x')).toMatch(/remote helper/);
    expect(repositoryUrlProblem('https://example.com/r.git\n[core]')).toMatch(/control characters/);
  });
});

/** Whether a URL of a push payload names a job's repository, read as a git host reads it. */
describe('pushedRepositoryIs', () => {
  const job = 'https://ci:tok@Git.Example.com/Team/App.git';
  it('takes every URL form of the same hosted repository', () => {
    for (const pushed of [
      'https://git.example.com/team/app.git',
      'http://git.example.com/team/app',
      'https://git.example.com:443/team/app/',
      'ssh://git@git.example.com:2222/team/app.git',
      'git@git.example.com:team/app.git',
      'git://git.example.com/team/app.git',
      'https://GIT.EXAMPLE.COM/TEAM/APP',
    ])
      expect({ pushed, same: pushedRepositoryIs(pushed, job) }).toEqual({ pushed, same: true });
  });

  it('tells another repository, host or group, and never matches a local repository', () => {
    for (const pushed of [
      'https://git.example.com/team/app-2.git',
      'https://git.example.com/fork/app.git',
      'https://other.example.com/team/app.git',
      'https://git.example.com/team/app/sub',
    ])
      expect({ pushed, same: pushedRepositoryIs(pushed, job) }).toEqual({ pushed, same: false });
    expect(pushedRepositoryIs('file:///srv/app.git', 'file:///srv/app.git')).toBe(false);
    expect(pushedRepositoryIs('https://h/srv/app.git', '/srv/app.git')).toBe(false);
  });

  it("leaves the runner's stricter reading alone (an SSH user or a port there is another place)", () => {
    expect(sameRepository('alice@host:app.git', 'git@host:app.git')).toBe(false);
    expect(sameRepository('https://host:8443/app.git', 'https://host/app.git')).toBe(false);
  });
});
