import { describe, expect, it } from 'vitest';
import { repositoryNameOf } from '../../src/domain/scm.ts';

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
