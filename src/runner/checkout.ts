import type { BuildPlan } from '../domain/build-plan.ts';
import { maskUrlCredentials } from '../domain/url-credentials.ts';
import type { CheckoutInfo } from '../protocol/runner-protocol.ts';
import type { MirrorFailure, Resolved } from './mirrors.ts';
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
    case 'ref':
      return scm.ref
        ? `cannot check out ${scm.buildType} ${scm.ref} of ${url}`
        : `${url} has no default branch`;
    case 'keeper':
      return `the runner's mirror of ${url} failed: ${failure.detail}`;
  }
}

/**
 * Makes the workspace from the mirror, inside the build's sandbox: `git clone --shared` borrows
 * the mirror's objects (nothing is copied; the mirror is read-only in the sandbox and is not
 * repacked while a build holds it), then the exact commit the mirror resolved is checked out, and
 * `origin` is set to the repository itself. The script's text is fixed; every value is a
 * positional argument, never spliced into it. Exit codes tell the failures apart.
 */
const SCRIPT = `mirror=$1 url=$2 kind=$3 name=$4 commit=$5 share=$6
if [ "$kind" = commit ]; then
  git clone --quiet "$share" --no-checkout -- "$mirror" . || exit 10
  git checkout --quiet --detach "$commit" || exit 11
else
  git clone --quiet "$share" --no-checkout --single-branch --branch "$name" -- "$mirror" . || exit 10
  if [ "$kind" = tag ]; then git checkout --quiet --detach "$commit" || exit 11
  else git checkout --quiet -B "$name" "$commit" || exit 11
  fi
fi
git remote set-url origin "$url" || exit 12
`;

/** Checks out in the sandbox's workspace the commit the mirror resolved for the build. */
export async function checkout(ctx: CheckoutContext, scm: Scm, resolved: Resolved): Promise<CheckoutOutcome> {
  const mirror = ctx.sandbox.inside.mirror;
  if (!mirror) return { ok: false, reason: 'the sandbox has no mirror of the repository' };
  const share = ctx.standalone ? '--no-hardlinks' : '--shared';
  const single = resolved.kind === 'commit' ? '' : ` --single-branch --branch ${resolved.name}`;
  const switchTo =
    resolved.kind === 'branch' ? `-B ${resolved.name} ${resolved.commitId}` : `--detach ${resolved.commitId}`;
  ctx.write(
    Buffer.from(
      [
        `$ git clone --quiet ${share} --no-checkout${single} -- ${mirror} .`,
        `$ git checkout --quiet ${switchTo}`,
        `$ git remote set-url origin ${maskUrlCredentials(scm.url)}`,
      ]
        .map((c) => `${c}\n`)
        .join(''),
    ),
  );
  const gitconfig = `${ctx.sandbox.inside.ctl}/checkout.gitconfig`;
  const result = await ctx.sandbox
    .exec(
      {
        file: '/bin/sh',
        args: [
          '-c',
          SCRIPT,
          'kiln-checkout',
          mirror,
          scm.url,
          resolved.kind,
          resolved.name,
          resolved.commitId,
          share,
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
    const url = maskUrlCredentials(scm.url);
    return {
      ok: false,
      reason:
        result.exitCode === null
          ? `checkout ended by ${result.signal}`
          : `cannot check out ${resolved.kind} ${resolved.name || resolved.commitId} of ${url} (git exit ${result.exitCode})`,
    };
  }
  return {
    ok: true,
    commitId: resolved.commitId,
    commitTime: resolved.commitTime,
    commitMessage: resolved.commitMessage,
    branch: scm.ref || resolved.name,
  };
}

/** The git configuration of the checkout: the mirror belongs to another user (the keeper's). */
export function checkoutGitconfig(mirrorInside: string): string {
  return `[safe]\n\tdirectory = ${mirrorInside}\n`;
}
