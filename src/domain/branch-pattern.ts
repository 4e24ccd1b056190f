import { MAX_REF_NAME_LENGTH } from './ref-name.ts';

/**
 * Branch patterns of a `code_update` trigger: `*` matches any run of characters except `/`, `**`
 * (or a longer run of stars) any run at all, every other character itself. A whole segment of two
 * or more stars, with its `/`, also matches no segment at all, as in a glob (`**` `/main` matches
 * `main`; `a/**` `/b` matches `a/b`). A pushed branch name comes from outside, so the match must
 * cost the same whatever the input: patterns are not turned into a regular expression (a
 * backtracking engine takes seconds on `*a*a*a*a*b` against a long run of `a`), they are run as a
 * set of pattern positions advanced one branch character at a time, at most (2 × branch length + 1)
 * × pattern length steps.
 */

/** The longest pattern a job may name (as long as the longest branch name). */
export const MAX_BRANCH_PATTERN_LENGTH = MAX_REF_NAME_LENGTH;
/** The most patterns a job's code_update triggers may name together. */
export const MAX_BRANCH_PATTERNS = 100;

const SEGMENT = 1; // `*`: any run without `/`
const ANY = 2; // `**`: any run
/** Before a segment of stars and its `/`: may skip both, matching no segment. */
const SKIPPABLE = 3;

/** One compiled position: a literal character, one of the two wildcards, or a skippable segment. */
type Token = string | typeof SEGMENT | typeof ANY | typeof SKIPPABLE;

function compile(pattern: string): Token[] {
  const tokens: Token[] = [];
  for (let i = 0; i < pattern.length;) {
    if (pattern[i] !== '*') {
      tokens.push(pattern[i] as string);
      i++;
      continue;
    }
    const start = i;
    let run = 0;
    while (pattern[i] === '*') {
      run++;
      i++;
    }
    if (run > 1 && pattern[i] === '/' && (start === 0 || pattern[start - 1] === '/')) tokens.push(SKIPPABLE);
    tokens.push(run === 1 ? SEGMENT : ANY);
  }
  return tokens;
}

/** Counts the positions visited, for tests that bound the work. */
export interface MatchMeter {
  steps: number;
}

/**
 * Adds every position reachable from the live ones by letting a wildcard match nothing, or by
 * skipping a segment of stars and its `/`. A skippable mark consumes nothing, so it is live only where the
 * pattern reaches it: the segment is skipped whole or matched whole, never entered and left.
 */
function close(tokens: Token[], live: Uint8Array, meter: MatchMeter | undefined): void {
  for (let i = 0; i < tokens.length; i++) {
    if (meter) meter.steps++;
    if (!live[i] || typeof tokens[i] === 'string') continue;
    live[i + 1] = 1;
    if (tokens[i] === SKIPPABLE) live[i + 3] = 1;
  }
}

/** True when the whole of `branch` matches `pattern`; linear in the branch for a given pattern. */
export function matchBranchPattern(pattern: string, branch: string, meter?: MatchMeter): boolean {
  const tokens = compile(pattern);
  let live = new Uint8Array(tokens.length + 1);
  let next = new Uint8Array(tokens.length + 1);
  live[0] = 1;
  close(tokens, live, meter);
  // By UTF-16 code unit, as the pattern is compiled.
  for (let j = 0; j < branch.length; j++) {
    const ch = branch[j];
    next.fill(0);
    let any = false;
    for (let i = 0; i < tokens.length; i++) {
      if (meter) meter.steps++;
      if (!live[i]) continue;
      const t = tokens[i];
      if (t === ch) next[i + 1] = 1;
      else if (t === ANY || (t === SEGMENT && ch !== '/')) next[i] = 1;
      else continue;
      any = true;
    }
    if (!any) return false;
    close(tokens, next, meter);
    [live, next] = [next, live];
  }
  return live[tokens.length] === 1;
}
