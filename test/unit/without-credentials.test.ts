import { expect, it } from 'vitest';
import { withoutCredentials } from '../../src/runner/checkout.ts';

it('masks the password of a URL and leaves everything else as it is', () => {
  expect(withoutCredentials('https://user:tok3n@git.example.com/a/b.git')).toBe(
    'https://user:******@git.example.com/a/b.git',
  );
  expect(withoutCredentials('http://u:p%40ss@host:8080/r')).toBe('http://u:******@host:8080/r');
  expect(withoutCredentials('https://:only-token@host/r')).toBe('https://:******@host/r');
  expect(withoutCredentials('https://u:p@ss@host/r@x')).toBe('https://u:******@host/r@x');
  for (const plain of [
    'https://git.example.com/a/b.git',
    'https://user@git.example.com/a/b.git',
    'git@github.com:org/repo.git',
    'ssh://git@host:2222/repo.git',
    '/srv/git/repo',
    'file:///srv/git/repo',
  ]) {
    expect(withoutCredentials(plain)).toBe(plain);
  }
});
