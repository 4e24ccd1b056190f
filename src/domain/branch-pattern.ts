import { MAX_REF_NAME_LENGTH } from './ref-name.ts';

/**
 * Branch patterns of a `code_update` trigger: `*` matches any run of characters except `/`, `**`
 * (or a longer run of stars) any run at all, every other character itself. A pushed branch name
 * comes from outside, so the match must cost the same whatever the input: patterns are not turned
 * into a regular expression (a backtracking engine takes seconds on `*a*a*a*a*b` against a long
 * run of `a`), they are run as a set of pattern positions advanced one branch character at a time,
 * at most (2 × branch length + 1) × pattern length steps.
 */

/** The longest pattern a job may name (as long as the longest branch name). */
export const MAX_BRANCH_PATTERN_LENGTH = MAX_REF_NAME_LENGTH;
/** The most patterns a job's code_update triggers may name together. */
export const MAX_BRANCH_PATTERNS = 100;

const SEGMENT = 1; // `*`: any run without `/`
const ANY = 2; // `**`: any run

/** One compiled position: a literal character, or one of the two wildcards. */
type Token = string | typeof SEGMENT | typeof ANY;

function compile(pattern: string): Token[] {
  const tokens: Token[] = [];
  for (let i = 0; i < pattern.length;) {
    if (pattern[i] !== '*') {
      tokens.push(pattern[i] as string);
      i++;
      continue;
    }
    let run = 0;
    while (pattern[i] === '*') {
      run++;
      i++;
    }
    tokens.push(run === 1 ? SEGMENT : ANY);
  }
  return tokens;
}

/** Counts the positions visited, for tests that bound the work. */
export interface MatchMeter {
  steps: number;
}

/** Adds every position reachable from the live ones by letting a wildcard match nothing. */
function close(tokens: Token[], live: Uint8Array, meter: MatchMeter | undefined): void {
  for (let i = 0; i < tokens.length; i++) {
    if (meter) meter.steps++;
    if (live[i] && typeof tokens[i] !== 'string') live[i + 1] = 1;
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
