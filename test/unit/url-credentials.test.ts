import { describe, expect, it } from 'vitest';
import { maskUrlCredentials, urlCredentials, urlUserinfo } from '../../src/domain/url-credentials.ts';

describe('maskUrlCredentials', () => {
  it('replaces the whole userinfo of a URL with a password, in any scheme', () => {
    expect(maskUrlCredentials('https://user:tok3n@git.example.com/a/b.git')).toBe(
      'https://******@git.example.com/a/b.git',
    );
    expect(maskUrlCredentials('http://u:p%40ss@host:8080/r')).toBe('http://******@host:8080/r');
    expect(maskUrlCredentials('https://:only-token@host/r')).toBe('https://******@host/r');
    expect(maskUrlCredentials('ssh://git:secret@host:2222/r.git')).toBe('ssh://******@host:2222/r.git');
    expect(maskUrlCredentials('git+https://u:p@host/r')).toBe('git+https://******@host/r');
    // An unencoded @ in the password: the userinfo runs to the last @ of the authority, as git reads it.
    expect(maskUrlCredentials('https://u:p@ss@host/r@x')).toBe('https://******@host/r@x');
  });

  it('masks a user name alone unless it is git (a token is often given as the user)', () => {
    expect(maskUrlCredentials('https://ghp_abcdef123456@github.com/o/r.git')).toBe(
      'https://******@github.com/o/r.git',
    );
    expect(maskUrlCredentials('https://user@git.example.com/a/b.git')).toBe(
      'https://******@git.example.com/a/b.git',
    );
    expect(maskUrlCredentials('https://TOKEN:x-oauth-basic@github.com/o/r')).toBe(
      'https://******@github.com/o/r',
    );
  });

  it('leaves URLs without secrets as they are', () => {
    for (const plain of [
      'https://git.example.com/a/b.git',
      'https://git.example.com/a/b@c.git',
      'https://host/r?to=a@b',
      'https://host#a@b',
      'git@github.com:org/repo.git',
      'deploy@host:org/repo.git',
      'ssh://git@host:2222/repo.git',
      'https://@host/r',
      '/srv/git/repo',
      'file:///srv/git/repo',
      '',
    ]) {
      expect(maskUrlCredentials(plain)).toBe(plain);
    }
  });

  it('masks every URL in a text, and a masked URL stays the same when masked again', () => {
    const text = "fatal: unable to access 'https://tok@host/r.git/': x; see http://a:b@c/ and ssh://git@d/";
    const masked = maskUrlCredentials(text);
    expect(masked).toBe(
      "fatal: unable to access 'https://******@host/r.git/': x; see http://******@c/ and ssh://git@d/",
    );
    expect(maskUrlCredentials(masked)).toBe(masked);
  });
});

describe('urlCredentials', () => {
  it('lists the userinfo, the user (unless git) and the password, raw and decoded', () => {
    expect(urlCredentials('https://alice:p%40ss@host/r').sort()).toEqual(
      ['alice', 'alice:p%40ss', 'alice:p@ss', 'p%40ss', 'p@ss'].sort(),
    );
    expect(urlCredentials('https://ghp_token123@github.com/o/r')).toEqual(['ghp_token123']);
    expect(urlCredentials('https://git:s3cret@host/r').sort()).toEqual(['git:s3cret', 's3cret']);
  });

  it('is empty for URLs without secrets', () => {
    for (const plain of ['https://host/r', 'ssh://git@host/r', 'git@host:r', '/srv/r', 'not a url %']) {
      expect(urlCredentials(plain)).toEqual([]);
    }
  });
});

it('urlUserinfo reads the userinfo of a URL', () => {
  expect(urlUserinfo('https://******@host/r')).toBe('******');
  expect(urlUserinfo('ssh://git@host/r')).toBe('git');
  expect(urlUserinfo('https://host/r')).toBeUndefined();
  expect(urlUserinfo('git@host:r')).toBeUndefined();
});
