import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  matchBranchPattern,
  MAX_BRANCH_PATTERN_LENGTH,
  type MatchMeter,
} from '../../src/domain/branch-pattern.ts';
import { branchMatches } from '../../src/domain/job-config.ts';

/**
 * code_update branch patterns: `*` within a path segment, `**` across, everything else literal.
 * The matcher must agree with the obvious regular expression and do work bounded by the lengths
 * of pattern and branch, whatever they hold (a pushed branch name comes from outside).
 */

/** The obvious (backtracking) translation, used only on short inputs as the reference. */
function reference(pattern: string, branch: string): boolean {
  const escape = (t: string) => t.replace(/[.+?^${}()|[\]\\]/g, '\\$&');
  const glob = (text: string) =>
    text
      .split('**')
      .map((part) => part.split('*').map(escape).join('[^/]*'))
      .join('.*');
  // A whole segment of stars and its `/`: any number of segments, none included.
  const source = pattern
    .split(/(?<=^|\/)\*{2,}\//)
    .map(glob)
    .join('(?:.*/)?');
  return new RegExp(`^${source}$`, 's').test(branch);
}

const ALPHABET = ['a', 'b', '/', '-', '.', '?', '[', '\n', 'é'];
const text = (max: number) =>
  fc.array(fc.constantFrom(...ALPHABET), { maxLength: max }).map((a) => a.join(''));
const pattern = (max: number) =>
  fc.array(fc.constantFrom(...ALPHABET, '*', '*', '**'), { maxLength: max }).map((a) => a.join(''));

/**
 * Branches and patterns the old regular expressions took several seconds each on (longer runs of
 * stars take hours; these keep a run against the old code short enough to watch it fail).
 */
const ADVERSARIAL: [string, string][] = [
  ['*a*a*a*a*b', 'a'.repeat(180)],
  ['**a**a**a**a**b', 'a'.repeat(180)],
];

describe('branch patterns', () => {
  it('agrees with the regular-expression reference on random patterns and branches', () => {
    fc.assert(
      fc.property(pattern(8), text(10), (p, b) => {
        expect(matchBranchPattern(p, b), `${JSON.stringify(p)} ~ ${JSON.stringify(b)}`).toBe(reference(p, b));
      }),
      { numRuns: 3000 },
    );
  });

  it('matches the documented examples', () => {
    expect(branchMatches(['main', 'release/*'], 'release/2.0')).toBe(true);
    expect(branchMatches(['release/*'], 'release/2.0/hotfix')).toBe(false);
    expect(branchMatches(['release/**'], 'release/2.0/hotfix')).toBe(true);
    // A whole `**/` segment also matches none, as in a glob.
    expect(branchMatches(['**/main'], 'main')).toBe(true);
    expect(branchMatches(['**/main'], 'team/a/main')).toBe(true);
    expect(branchMatches(['**/main'], 'xmain')).toBe(false);
    expect(branchMatches(['release/**/hotfix'], 'release/hotfix')).toBe(true);
    expect(branchMatches(['release/**/hotfix'], 'release/2.0/hotfix')).toBe(true);
    expect(branchMatches(['release/**/hotfix'], 'release/2.0hotfix')).toBe(false);
    expect(branchMatches(['a**/b'], 'a/b')).toBe(true);
    expect(branchMatches(['a**/b'], 'b')).toBe(false);
    expect(branchMatches(['feature-?'], 'feature-x')).toBe(false);
    expect(branchMatches(['feature-?'], 'feature-?')).toBe(true);
    expect(branchMatches([], 'main')).toBe(false);
  });

  it('visits at most (2 × branch + 1) × pattern positions, whatever the input', () => {
    fc.assert(
      fc.property(pattern(40), text(300), (p, b) => {
        const meter: MatchMeter = { steps: 0 };
        matchBranchPattern(p, b, meter);
        expect(meter.steps).toBeLessThanOrEqual((2 * b.length + 1) * p.length);
      }),
      { numRuns: 500 },
    );
  });

  // The old code compiled each pattern to a regular expression: each of these took from seconds to
  // hours. The timeout is the failure mode; the work bound is the assertion.
  it('answers adversarial branches of 170+ characters at once', { timeout: 2_000 }, () => {
    for (const [p, b] of ADVERSARIAL) {
      expect(branchMatches([p], b)).toBe(false);
      const meter: MatchMeter = { steps: 0 };
      expect(matchBranchPattern(p, b, meter)).toBe(false);
      expect(meter.steps).toBeLessThanOrEqual((2 * b.length + 1) * p.length);
    }
  });

  it('never matches a pattern longer than the limit (one stored before the limit existed)', () => {
    const long = `${'x'.repeat(MAX_BRANCH_PATTERN_LENGTH)}*`;
    expect(branchMatches([long], `${'x'.repeat(MAX_BRANCH_PATTERN_LENGTH)}y`)).toBe(false);
    expect(branchMatches([long, 'main'], 'main')).toBe(true);
  });
});
