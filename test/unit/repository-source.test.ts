import { describe, expect, it } from 'vitest';
import { repositorySource } from '../../src/runner/repository-source.ts';

/**
 * The runner's refusals of a repository URL follow the URL in the build's log
 * (`checkout failed: <url> <reason>`, repository-checkout.ts), so each must read on from it.
 */
describe('repositorySource refusals', () => {
  const logLine = (url: string, allowed: string[] = ['/tmp']) => {
    const source = repositorySource(url, allowed);
    return 'error' in source ? `${url} ${source.error}` : 'accepted';
  };

  it('says what is wrong with the URL it follows', () => {
    expect(logLine('ext::sh -c id')).toBe(
      'ext::sh -c id uses a git remote helper (transport::address), which is not supported',
    );
    expect(logLine('svn://host/repo')).toBe(
      'svn://host/repo uses the svn:// transport, which is not supported (use https, http, ssh, git, git+ssh, ssh+git or file)',
    );
    expect(logLine('relative/repo')).toBe(
      'relative/repo is not an absolute path, which a repository on the runner must be named by',
    );
    expect(logLine('/srv/repo', [])).toBe(
      "/srv/repo is on the runner, and repositories on the runner are not allowed (the runner's KILN_LOCAL_REPOSITORIES names no directory)",
    );
    expect(logLine('/srv/repo')).toBe(
      '/srv/repo is not in a directory the runner may read repositories from (KILN_LOCAL_REPOSITORIES: /tmp)',
    );
  });
});
