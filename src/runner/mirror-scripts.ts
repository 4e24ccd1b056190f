import type { BuildType } from '../domain/build.ts';
import { LAST_COMMIT_TIME } from '../domain/time.ts';

/**
 * The scripts the mirror keeper runs, and how their answers are read. The keeper runs nothing
 * else: every value is a positional argument, never spliced into a script's text.
 */

const SEPARATOR = '\u001f';
/** Starts a script's answer line. */
const ANSWER = `${SEPARATOR}kiln${SEPARATOR}`;

/** What the mirror found for a build: the exact commit to check out. */
export interface Resolved {
  /** What `ref` turned out to be (as with git clone --branch, a branch build may name a tag). */
  kind: BuildType;
  /** The branch or tag; for a commit build, the default branch (a clone gets it). */
  name: string;
  commitId: string;
  commitTime: number | null;
  commitMessage: string;
  /** The commit's author's name. */
  commitAuthor: string;
}

/** A submodule of a commit: where it goes, its URL as `.gitmodules` gives it, and its commit. */
export interface Submodule {
  path: string;
  url: string;
  commit: string;
}

/** Why a mirror could not give a build what it wants. */
export type MirrorFailure =
  | { failure: 'fetch' | 'commit' | 'off-refs' | 'ref' | 'no-lfs' | 'lfs' }
  /** A file the fetch wrote grew past the mirrors' cap, `maxBytes`. */
  | { failure: 'too-big'; maxBytes: number }
  | { failure: 'keeper'; detail: string };

/** The mirror script's exit codes. */
const FAILURES: Record<number, 'fetch' | 'commit' | 'off-refs' | 'ref' | 'no-lfs' | 'lfs'> = {
  10: 'fetch',
  11: 'commit',
  12: 'ref',
  13: 'no-lfs',
  14: 'lfs',
  15: 'off-refs',
};

/**
 * Fetches into the mirror (made by `git clone --bare` the first time), then resolves what the
 * build wants to one commit, and fetches that commit's Git LFS files when asked. No housekeeping
 * after the fetch: a mirror is repacked only when no build borrows from it.
 * $1 source, $2 the mirror, $3 branch|tag|commit, $4 ref, $5 commit, $6 1 to fetch (0: a fetch
 * fresh enough for this build was made), $7 1 to fetch LFS files, $8 the largest file git may write,
 * in KiB (empty: no cap), $9 1 when a commit build's commit must be on a branch or tag.
 */
export const MIRROR_SCRIPT = `source=$1 kind=$3 ref=$4 commit=$5
cd -- "$2" || exit 20
# The runner's cap on its mirrors holds for any one file a fetch writes (a pack, an LFS object): a
# repository past it cannot be kept. With SIGXFSZ ignored, a write past the cap fails with EFBIG
# ("File too large") and git says so, instead of being killed without a word. The soft limit only:
# where the runner was given a lower hard limit, that one holds (and setting ours fails).
if [ -n "$8" ]; then ulimit -S -f "$8" 2>/dev/null; trap '' XFSZ; fi
# A mirror is whole once its clone ended well (gc.auto is set last); a clone stopped halfway
# (the build stopped, the runner killed) is made again.
made=$(git config --file config --get gc.auto 2>/dev/null)
if [ "$6" = 0 ] && [ "$made" = 0 ]; then
  : # fetched since the build was triggered: resolve only
elif [ "$kind" = commit ] && [ "$9" != 1 ] && [ "$made" = 0 ] && git cat-file -e "$commit^{commit}" 2>/dev/null; then
  : # a commit never changes: the mirror has it (whether a branch has it now does)
elif [ "$made" = 0 ]; then
  # A fetch stopped halfway may leave git's lock files and a partial pack: this mirror's
  # operations run one at a time, so none is in use now, and a lock left would fail every fetch.
  find refs -name '*.lock' -type f -delete 2>/dev/null
  rm -f packed-refs.lock HEAD.lock config.lock shallow.lock objects/pack/tmp_* 2>/dev/null
  git fetch --quiet --prune --no-auto-maintenance origin '+refs/heads/*:refs/heads/*' '+refs/tags/*:refs/tags/*' || exit 10
else
  find . -mindepth 1 -delete 2>/dev/null
  git clone --quiet --bare -- "$source" . && git config gc.auto 0 || exit 10
fi
show() { git show --no-patch --format='%H${SEPARATOR}%ct${SEPARATOR}%an${SEPARATOR}%s' "$1^{commit}" 2>/dev/null; }
if [ "$kind" = commit ] && [ "$9" = 1 ]; then
  # Only what a branch or tag holds (as fetched above; a commit fetched by its id earlier may be
  # in the mirror, on none): nothing is fetched by id.
  info=$(show "$commit") || exit 15
  [ -n "$(git for-each-ref --count=1 --format=x --contains "\${info%%${SEPARATOR}*}" refs/heads refs/tags)" ] || exit 15
  name=$(git symbolic-ref --quiet --short HEAD)
elif [ "$kind" = commit ]; then
  # A commit on no branch or tag: fetched by its id (git's messages go to the log: a fetch past the
  # cap says "File too large" there, and is told apart from a commit the repository lacks).
  info=$(show "$commit") || { git fetch --quiet origin "$commit" && info=$(show "$commit"); } || exit 11
  name=$(git symbolic-ref --quiet --short HEAD)
else
  if [ -z "$ref" ]; then ref=$(git symbolic-ref --quiet --short HEAD) || exit 12; kind=branch; fi
  first=heads second=tags
  [ "$kind" = tag ] && first=tags second=heads
  if info=$(show "refs/$first/$ref"); then space=$first
  elif info=$(show "refs/$second/$ref"); then space=$second
  else exit 12
  fi
  if [ "$space" = heads ]; then kind=branch; else kind=tag; fi
  name=$ref
fi
if [ "$7" = 1 ]; then
  git lfs version >/dev/null 2>&1 || exit 13
  # git-lfs reads the source (another user's) with a git that sees HOME's config, not GIT_CONFIG_GLOBAL.
  HOME=\${GIT_CONFIG_GLOBAL%/*} git lfs fetch origin "\${info%%${SEPARATOR}*}" || exit 14
fi
printf '${ANSWER}%s${SEPARATOR}%s${SEPARATOR}%s\\n' "$kind" "$name" "$info"
`;

/**
 * Lists the submodules of a commit from its `.gitmodules`, with the commit each is at.
 * $1 the mirror, $2 the commit.
 */
export const SUBMODULES_SCRIPT = `cd -- "$1" || exit 20
git config --blob "$2:.gitmodules" --get-regexp '^submodule\\..*\\.path$' 2>/dev/null |
while read -r key path; do
  name=\${key#submodule.}; name=\${name%.path}
  url=$(git config --blob "$2:.gitmodules" --get "submodule.$name.url") || continue
  at=$(git rev-parse --verify --quiet "$2:$path") || continue
  printf '${ANSWER}%s${SEPARATOR}%s${SEPARATOR}%s\\n' "$path" "$url" "$at"
done
exit 0
`;

/**
 * The keeper's git configuration: local repositories may belong to any user; an HTTP(S) fetch
 * that moves less than 1 KB/s for `stallSeconds` ends ("Operation too slow"), so a host that takes
 * the connection and never answers fails the build with a clear line instead of holding it.
 */
export function keeperGitconfig(stallSeconds: number): string {
  return `[safe]\n\tdirectory = *\n[http]\n\tlowSpeedLimit = 1000\n\tlowSpeedTime = ${stallSeconds}\n`;
}

/** A script's output split into git's messages (for the build log) and its answer lines. */
function answers(text: string): { messages: string; lines: string[][] } {
  const at = text.indexOf(ANSWER);
  const messages = at >= 0 ? text.slice(0, at) : text;
  const lines = (at >= 0 ? text.slice(at) : '')
    .split('\n')
    .filter((l) => l.startsWith(ANSWER))
    .map((l) => l.slice(ANSWER.length).split(SEPARATOR));
  return { messages, lines };
}

/** What git (and git-lfs) say when a write fails with EFBIG. */
const TOO_LARGE = /file too large/i;

/** The mirror script's answer, or why it failed (`maxBytes`: the cap it was given). */
export function readResolved(
  text: string,
  code: number | null,
  maxBytes: number,
): { messages: string; answer: Resolved | MirrorFailure } {
  const { messages, lines } = answers(text);
  const line = lines[0];
  if (code !== 0 || !line) {
    const failure = FAILURES[code ?? -1];
    if ((failure === 'fetch' || failure === 'commit' || failure === 'lfs') && TOO_LARGE.test(messages))
      return { messages, answer: { failure: 'too-big', maxBytes } };
    return { messages, answer: failure ? { failure } : { failure: 'keeper', detail: `exit code ${code}` } };
  }
  const [kind, name, commitId, seconds, author, ...subject] = line;
  return {
    messages,
    answer: {
      kind: kind as BuildType,
      name: name ?? '',
      commitId: commitId ?? '',
      commitTime: commitTimeOf(seconds),
      commitMessage: subject.join(SEPARATOR),
      commitAuthor: author ?? '',
    },
  };
}

/**
 * A commit's `%ct` as epoch ms; null when it is none, or past year 9999 (git keeps any number of
 * seconds, and the server refuses such a time).
 */
function commitTimeOf(seconds: string | undefined): number | null {
  if (!/^\d+$/.test(seconds ?? '')) return null;
  const ms = Number(seconds) * 1000;
  return ms <= LAST_COMMIT_TIME ? ms : null;
}

/** The submodules script's answer. */
export function readSubmodules(text: string): Submodule[] {
  return answers(text).lines.map(([path = '', url = '', commit = '']) => ({ path, url, commit }));
}
