import type { BuildPlan } from '../domain/build-plan.ts';
import { maskUrlCredentials } from '../domain/url-credentials.ts';
import type { CheckoutInfo } from '../protocol/runner-protocol.ts';
import type { MirrorFailure, Resolved } from './mirrors.ts';
import { formatBytes } from './limits-watch.ts';
import type { Sandbox } from './sandbox.ts';

/** What checkout needs. */
export interface CheckoutContext {
  /** The build's sandbox, with the repository's mirror in it. */
  sandbox: Sandbox;
  /** Environment for git (PATH, HOME) as the sandbox sees it. */
  env: Record<string, string>;
  signal: AbortSignal;
  /** Build log output. */
  write: (data: Buffer) => void;
  /** The workspace must stand alone after the build (the job keeps it): copy, never borrow. */
  standalone?: boolean;
}

/** Checkout's answer: what was checked out, or why it failed (said in words for the log). */
export type CheckoutOutcome =
  ({ ok: true } & CheckoutInfo & { branch: string }) | { ok: false; reason: string };

type Scm = NonNullable<BuildPlan['scm']>;

/** The log line for a mirror that could not give the build what it wants. */
export function mirrorFailureReason(failure: MirrorFailure, scm: Scm): string {
  const url = maskUrlCredentials(scm.url);
  switch (failure.failure) {
    case 'fetch':
      return `cannot fetch ${url}`;
    case 'commit':
      return `commit ${scm.commit} was not found in ${url}`;
    case 'off-refs':
      return `commit ${scm.commit} is on no branch or tag of ${url} (or not in it at all): only who may change the job builds a commit on none`;
    case 'ref':
      return scm.ref
        ? // The mirror looked for the name among both branches and tags (mirror-scripts.ts, exit 12).
          `cannot check out ${scm.buildType} ${scm.ref} of ${url}: the repository has no branch or tag of that name`
        : `${url} has no default branch`;
    case 'no-lfs':
      return `the job asks for Git LFS files (enable_git_lfs) and git-lfs is not installed on the runner (Debian/Ubuntu: apt-get install git-lfs)`;
    case 'lfs':
      return `cannot fetch the Git LFS files of ${url}`;
    case 'too-big':
      return `${url} is too large for the runner's repository mirrors: a file of its fetch grew past their cap of ${formatBytes(failure.maxBytes)} (KILN_MIRROR_MAX_BYTES)`;
    case 'keeper':
      return `the runner's mirror of ${url} failed: ${failure.detail}`;
  }
}

/**
 * Makes the workspace from the mirror, inside the build's sandbox, with one `git clone`: an
 * `insteadOf` rule given on its command line sends the repository's URL to the mirror, so the
 * clone borrows the mirror's objects (`--shared`: nothing is copied; the mirror is read-only in
 * the sandbox and is not repacked while a build holds it) while `origin` is the repository's own
 * URL, as after a plain clone. The mirror's refs are as resolved while this runs (MirrorHold), so
 * a branch or tag clone checks out exactly the resolved commit; a commit build checks it out. The
 * script's text is fixed; every value is a positional argument, never spliced into it. Exit codes
 * tell the failures apart. Written to the build's ctl directory (`checkout.sh`) before the
 * checkout.
 */
export const CHECKOUT_SCRIPT = `mirror=$1 url=$2 kind=$3 name=$4 commit=$5 share=$6 lfs=$7 submodules=$8 dir=$9
shift 9
mkdir -p -- "$dir" && cd -- "$dir" || exit 14
rewrite="url.$mirror.insteadOf=$url"
if [ "$lfs" = 1 ]; then
  # git-lfs reads the mirror (the keeper's) with a git that sees HOME's config, not GIT_CONFIG_GLOBAL.
  export HOME=\${GIT_CONFIG_GLOBAL%/*}
  lfs=(-c "filter.lfs.smudge=git-lfs smudge -- %f" -c "filter.lfs.process=git-lfs filter-process" -c filter.lfs.required=true)
else
  lfs=()
  export GIT_LFS_SKIP_SMUDGE=1
fi
if [ "$kind" = commit ]; then
  git -c "$rewrite" "\${lfs[@]}" clone --quiet "$share" --no-checkout -- "$url" . || exit 10
  git -c "$rewrite" "\${lfs[@]}" checkout --quiet --detach "$commit" || exit 11
else
  git -c "$rewrite" "\${lfs[@]}" clone --quiet "$share" --single-branch --branch "$name" -- "$url" . || exit 10
fi
if [ "$submodules" = 1 ]; then
  rules=(-c protocol.file.allow=always)
  for rule in "$@"; do rules+=(-c "$rule"); done
  git "\${rules[@]}" submodule --quiet update --init --recursive || exit 13
fi
`;

/**
 * Checks out in the sandbox's workspace the commit the mirror resolved for the build; `mirror` is
 * the mirror's name in the sandbox's mirrors directory.
 */
export async function checkout(
  ctx: CheckoutContext,
  scm: Scm,
  resolved: Resolved,
  mirror: { name: string; submoduleRules: string[] },
  dir = '.',
): Promise<CheckoutOutcome> {
  const mirrorPath = `${ctx.sandbox.inside.mirrors}/${mirror.name}`;
  const share = ctx.standalone ? '--no-hardlinks' : '--shared';
  const url = maskUrlCredentials(scm.url);
  const shown =
    resolved.kind === 'commit'
      ? [
          `git clone --quiet ${share} --no-checkout -- ${url} ${dir}`,
          `git checkout --quiet --detach ${resolved.commitId}`,
        ]
      : [`git clone --quiet ${share} --single-branch --branch ${resolved.name} -- ${url} ${dir}`];
  if (scm.submodules) shown.push('git submodule update --init --recursive');
  ctx.write(Buffer.from(`${shown.map((c) => `$ ${c}`).join('\n')}   (from the runner's mirror)\n`));
  const gitconfig = `${ctx.sandbox.inside.ctl}/.gitconfig`;
  const result = await ctx.sandbox
    .exec(
      {
        file: `${ctx.sandbox.inside.ctl}/checkout.sh`,
        ownScript: true,
        args: [
          mirrorPath,
          scm.url,
          resolved.kind,
          resolved.name,
          resolved.commitId,
          share,
          scm.lfs ? '1' : '0',
          scm.submodules ? '1' : '0',
          dir,
          ...mirror.submoduleRules,
        ],
        cwd: ctx.sandbox.inside.workspace,
        env: {
          ...ctx.env,
          GIT_CONFIG_GLOBAL: gitconfig,
          GIT_TERMINAL_PROMPT: '0',
          GIT_ASKPASS: '/bin/false',
        },
      },
      ctx.write,
      ctx.signal,
    )
    .catch((error: Error) => error);
  if (result instanceof Error) return { ok: false, reason: result.message };
  if (result.exitCode !== 0) {
    return {
      ok: false,
      reason:
        result.exitCode === null
          ? `checkout ended by ${result.signal}`
          : result.exitCode === 13
            ? `cannot check out the submodules of ${url}`
            : result.exitCode === 14
              ? `cannot make the directory ${dir} in the workspace`
              : `cannot check out ${resolved.kind} ${resolved.name || resolved.commitId} of ${url} (git exit ${result.exitCode})`,
    };
  }
  return {
    ok: true,
    commitId: resolved.commitId,
    commitTime: resolved.commitTime,
    commitMessage: resolved.commitMessage,
    commitAuthor: resolved.commitAuthor,
    branch: scm.ref || resolved.name,
  };
}

/**
 * The git configuration of the checkout: the mirrors belong to another user (the keeper's), and
 * they are the only repositories in the sandbox besides the workspace. The working tree is
 * written by two workers (git's parallel checkout, for 100 files or more): git's one process
 * waits on each file it creates, and on this machine's disk a 10,000-file tree took it 1.1-2.4 s
 * against 0.55-0.93 s with two workers (docs/performance.md). Two, not one per core: the workers
 * count against the build's process limit, and other slots' builds share the cores.
 */
export const CHECKOUT_GITCONFIG = '[safe]\n\tdirectory = *\n[checkout]\n\tworkers = 2\n';
