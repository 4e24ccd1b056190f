import { describe, expect, it } from 'vitest';
import { submoduleUrl } from '../../src/runner/submodules.ts';

describe('submoduleUrl (as git resolves .gitmodules URLs)', () => {
  it.each([
    ['../lib.git', 'https://git.example.com/team/app.git', 'https://git.example.com/team/lib.git'],
    ['../../other/lib', 'https://git.example.com/team/app', 'https://git.example.com/other/lib'],
    ['./lib', 'git://127.0.0.1:9418/app', 'git://127.0.0.1:9418/app/lib'],
    ['../lib', 'git://127.0.0.1:9418/app/', 'git://127.0.0.1:9418/lib'],
    ['../lib.git', 'git@git.example.com:team/app.git', 'git@git.example.com:team/lib.git'],
    ['../lib.git', 'git@git.example.com:app.git', 'git@git.example.com:lib.git'],
    ['../lib', 'file:///srv/repos/app', 'file:///srv/repos/lib'],
    ['../lib', '/srv/repos/app', '/srv/repos/lib'],
  ])('%s against %s is %s', (url, superUrl, expected) => {
    expect(submoduleUrl(url, superUrl)).toBe(expected);
  });

  it('keeps an absolute URL as it is', () => {
    expect(submoduleUrl('https://elsewhere.example.com/x.git', 'https://git.example.com/app')).toBe(
      'https://elsewhere.example.com/x.git',
    );
    expect(submoduleUrl('git@host:x.git', '/srv/app')).toBe('git@host:x.git');
  });
});
