import { fileURLToPath } from 'node:url';
import type { BuildPlan } from '../domain/build-plan.ts';
import type { CheckoutInfo } from '../protocol/runner-protocol.ts';
import type { Executor } from './executor.ts';
import { readHeadCommit, type HeadCommit } from './git-head.ts';
import { linkRepository, readLocalRepository, type LocalRepository } from './local-clone.ts';

/** What checkout needs. */
export interface CheckoutContext {
  executor: Executor;
  workspace: string;
  /** Environment for git (PATH, HOME, no prompts). */
  env: Record<string, string>;
  signal: AbortSignal;
  /** Build log output. */
  write: (data: Buffer) => void;
  /** The workspace must stand alone after the build (the job keeps it): clone, never link. */
  standalone?: boolean;
}

/** Checkout's answer: what was checked out, or why it failed (said in words for the log). */
export type CheckoutOutcome =
  ({ ok: true } & CheckoutInfo & { branch: string }) | { ok: false; reason: string };

/** A plain filesystem path (not a URL and not scp-like host:path): git clones those with hard links. */
function isLocalPath(url: string): boolean {
  return !/^[a-z][a-z0-9+.-]*:\/\//i.test(url) && !/^[^/]+@[^/]+:/.test(url);
}

/**
 * The URL as the build log may show it: a password or token in it (`https://user:token@host/...`)
 * is replaced by `******`, as git itself does in its messages.
 */
export function withoutCredentials(url: string): string {
  const m = /^([a-z][a-z0-9+.-]*:\/\/[^/@:]*):[^/]*@/i.exec(url);
  return m ? `${m[1]}:******@${url.slice(m[0].length)}` : url;
}

/**
 * The whole checkout runs as one shell script: starting a process from the runner costs several
 * milliseconds when the runner is a large process, starting git from a small shell does not. The
 * script's text is fixed; every value (URL, ref, commit) is a positional argument, never spliced
 * into it. Exit codes tell the failures apart.
 */
const SCRIPT = `exec 2>&1
source="$1" ref="$2" commit="$3" depth="$4"
if [ -n "$commit" ]; then
  git clone --quiet --no-checkout -- "$source" . || exit 10
  git checkout --quiet --detach "$commit" || exit 11
elif [ -n "$ref" ]; then
  git clone --quiet $depth --branch "$ref" --single-branch -- "$source" . || exit 10
else
  git clone --quiet $depth -- "$source" . || exit 10
fi
`;

/**
 * Clones the repository into the (empty) workspace at the branch, tag or commit of the plan and
 * reads back the commit. Branch and tag builds fetch one commit; commit builds fetch the history
 * they need to find it.
 */
export async function checkout(
  ctx: CheckoutContext,
  scm: NonNullable<BuildPlan['scm']>,
): Promise<CheckoutOutcome> {
  // A file:// URL names the same repository as its path, but git clones the path with hard links
  // (about 8 ms here) and the URL through its pack protocol (about 20 ms); a plain repository on
  // this machine is not cloned at all but linked (checkoutLinked).
  const source = scm.url.startsWith('file://') ? fileURLToPath(scm.url) : scm.url;
  const onDisk = isLocalPath(source);
  const local = onDisk && !ctx.standalone ? readLocalRepository(source) : undefined;
  if (local) return checkoutLinked(ctx, scm, local);
  const depth = onDisk ? '' : '--depth=1';
  const commit = scm.buildType === 'commit' ? scm.commit : '';
  const url = withoutCredentials(source);
  const shown = commit
    ? [`git clone --quiet --no-checkout -- ${url} .`, `git checkout --quiet --detach ${commit}`]
    : [
        `git clone --quiet ${depth ? `${depth} ` : ''}${scm.ref ? `--branch ${scm.ref} --single-branch ` : ''}-- ${url} .`,
      ];
  ctx.write(Buffer.from(shown.map((c) => `$ ${c}\n`).join('')));
  const result = await ctx.executor.exec(
    {
      file: '/bin/sh',
      args: ['-c', SCRIPT, 'kiln-checkout', source, scm.ref, commit, depth],
      cwd: ctx.workspace,
      env: ctx.env,
      stderr: 'program',
    },
    ctx.write,
    ctx.signal,
  );
  switch (result.exitCode) {
    case 0:
      break;
    case 11:
      return { ok: false, reason: `commit ${scm.commit} was not found in ${withoutCredentials(scm.url)}` };
    default: {
      const named = withoutCredentials(scm.url);
      const what = commit ? named : scm.ref ? `${scm.buildType} ${scm.ref} of ${named}` : named;
      return { ok: false, reason: `cannot ${commit ? 'clone' : 'check out'} ${what}` };
    }
  }
  return checkedOut(ctx, scm);
}

/** What was checked out, read back from the workspace. */
async function checkedOut(
  ctx: CheckoutContext,
  scm: NonNullable<BuildPlan['scm']>,
): Promise<CheckoutOutcome> {
  const head = readHeadCommit(ctx.workspace) ?? (await askGit(ctx));
  if (!head) return { ok: false, reason: 'cannot read the commit' };
  return {
    ok: true,
    commitId: head.commitId,
    commitTime: head.commitTime,
    commitMessage: head.subject,
    branch: scm.ref || head.branch,
  };
}

/**
 * Checkout of a repository on this machine: the workspace's `.git` is written directly, borrowing
 * the repository's objects (see linkRepository). A branch build then needs only
 * `git read-tree -u --reset HEAD` to fill the working tree and index; a tag or commit build a
 * detaching `git checkout`. As with `git clone --branch`, a branch build may name a tag and a tag
 * build a branch. Names that the repository does not have fail here, without git.
 */
async function checkoutLinked(
  ctx: CheckoutContext,
  scm: NonNullable<BuildPlan['scm']>,
  repo: LocalRepository,
): Promise<CheckoutOutcome> {
  const url = withoutCredentials(scm.url);
  const defaultBranch = 'branch' in repo.head && repo.branches.has(repo.head.branch) ? repo.head.branch : '';
  const ref = scm.ref || defaultBranch;
  const detach = (target: string) => ['checkout', '--quiet', '--force', '--detach', target];
  // The branch the workspace gets, as a clone would make it (none for a tag: a clone of a tag
  // fetches that tag alone).
  let localBranch: string | undefined;
  let git: string[];
  if (scm.buildType === 'commit') {
    localBranch = defaultBranch || undefined;
    git = detach(scm.commit);
  } else if (ref && repo.branches.has(ref) && (scm.buildType === 'branch' || !repo.tags.has(ref))) {
    localBranch = ref;
    git = ['read-tree', '-u', '--reset', 'HEAD'];
  } else if (scm.ref && repo.tags.has(scm.ref)) {
    git = detach(`refs/tags/${scm.ref}`);
  } else if (!scm.ref && 'commit' in repo.head) {
    git = detach(repo.head.commit);
  } else {
    return {
      ok: false,
      reason: scm.ref ? `cannot check out ${scm.buildType} ${scm.ref} of ${url}` : `cannot check out ${url}`,
    };
  }

  linkRepository(repo, ctx.workspace, localBranch);
  const cloned = `git clone --shared --no-checkout${localBranch ? ` --branch ${localBranch}` : ''} -- ${repo.path} .`;
  ctx.write(
    Buffer.from(
      `$ ${cloned}   (written by Kiln: the repository is on this machine)\n$ git ${git.join(' ')}\n`,
    ),
  );
  const result = await ctx.executor
    .exec(
      { file: 'git', args: git, cwd: ctx.workspace, env: ctx.env, stderr: 'apart' },
      ctx.write,
      ctx.signal,
    )
    .catch((error: Error) => error);
  if (result instanceof Error) {
    return { ok: false, reason: `git could not be started (${result.message}); is it on KILN_BUILD_PATH?` };
  }
  if (result.exitCode !== 0) {
    return scm.buildType === 'commit'
      ? { ok: false, reason: `commit ${scm.commit} was not found in ${url}` }
      : { ok: false, reason: `cannot check out ${scm.buildType} ${ref} of ${url}` };
  }
  return checkedOut(ctx, scm);
}

/** The checked-out commit from `git log`, when it is not a loose object (packs, remote clones). */
async function askGit(ctx: CheckoutContext): Promise<HeadCommit | undefined> {
  const out: Buffer[] = [];
  const result = await ctx.executor.exec(
    { file: 'git', args: ['log', '-1', '--format=%H%x00%ct%x00%s%x00%D'], cwd: ctx.workspace, env: ctx.env },
    (data) => out.push(data),
    ctx.signal,
  );
  if (result.exitCode !== 0) return undefined;
  const [commitId = '', seconds = '', subject = '', decorations = ''] = Buffer.concat(out)
    .toString('utf8')
    .trim()
    .split('\0');
  return {
    commitId,
    commitTime: /^\d+$/.test(seconds) ? Number(seconds) * 1000 : null,
    subject,
    // Without a configured branch the remote's default was cloned: its name is in `HEAD -> name`.
    branch: /HEAD -> ([^,]+)/.exec(decorations)?.[1] ?? '',
  };
}
