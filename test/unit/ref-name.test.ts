import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { isValidRefName, MAX_REF_NAME_LENGTH } from '../../src/domain/ref-name.ts';

/**
 * git itself is the oracle: `git check-ref-format refs/heads/<name>`, plus what `git branch`
 * refuses besides (a leading `-`, `HEAD`). One git process checks every name (`--stdin` is not a
 * thing for check-ref-format, so a shell loop prints one verdict a line).
 */
function gitVerdicts(names: string[]): boolean[] {
  const script = 'while IFS= read -r n; do git check-ref-format "refs/heads/$n" && echo 1 || echo 0; done';
  const out = execFileSync('sh', ['-c', script], { input: names.map((n) => `${n}\n`).join('') });
  return out
    .toString()
    .trim()
    .split('\n')
    .map((v, i) => v === '1' && !names[i]!.startsWith('-') && names[i] !== 'HEAD');
}

const CASES = [
  'main',
  'feature/x',
  'release-1.2',
  'a@b',
  '@',
  'a/@',
  'é/ü',
  'HEAD',
  '-x',
  'a..b',
  'a@{1}',
  'a.lock',
  'a.lock/b',
  'a/.b',
  '.a',
  'a.',
  'a/',
  '/a',
  'a//b',
  'a b',
  'a~1',
  'a^',
  'a:b',
  'a?',
  'a*',
  'a[b',
  'a\\b',
  'a\u007f',
  'a\tb',
  'a.lockx',
  'x.y.z',
  '@@',
];

// A seeded generator: the same names every run, many of them near git's edge cases.
function randomNames(count: number, seed: number): string[] {
  const alphabet = ['a', 'b', '.', '/', '@', '{', '-', 'lock', '~', 'é', '_', 'HEAD', '..', ' '];
  let state = seed;
  const next = () => {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    return state;
  };
  return Array.from({ length: count }, () => {
    const parts = Array.from({ length: 1 + (next() % 6) }, () => alphabet[next() % alphabet.length]);
    return parts.join('');
  });
}

describe('isValidRefName', () => {
  it('agrees with git check-ref-format on the edge cases', () => {
    const verdicts = gitVerdicts(CASES);
    expect(CASES.map((n) => [n, isValidRefName(n)])).toEqual(CASES.map((n, i) => [n, verdicts[i]]));
  });

  it('agrees with git on 300 seeded random names', () => {
    const names = randomNames(300, 12345);
    const verdicts = gitVerdicts(names);
    const disagreements = names.filter((n, i) => isValidRefName(n) !== verdicts[i]);
    expect(disagreements).toEqual([]);
  });

  it('refuses an empty name and one longer than Kiln takes', () => {
    expect(isValidRefName('')).toBe(false);
    expect(isValidRefName('a'.repeat(MAX_REF_NAME_LENGTH))).toBe(true);
    expect(isValidRefName('a'.repeat(MAX_REF_NAME_LENGTH + 1))).toBe(false);
  });
});
