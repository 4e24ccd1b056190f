import type { BuildPlan } from '../domain/build-plan.ts';
import type { CheckoutInfo } from '../protocol/runner-protocol.ts';
import type { Executor } from './executor.ts';

/** What checkout needs. */
export interface CheckoutContext {
  executor: Executor;
  workspace: string;
  /** Environment for git (PATH, HOME, no prompts). */
  env: Record<string, string>;
  signal: AbortSignal;
  /** Build log output. */
  write: (data: Buffer) => void;
}

/** Checkout's answer: what was checked out, or why it failed (said in words for the log). */
export type CheckoutOutcome =
  ({ ok: true } & CheckoutInfo & { branch: string }) | { ok: false; reason: string };

/** A plain filesystem path (not a URL and not scp-like host:path): git clones those with hard links. */
function isLocalPath(url: string): boolean {
  return !/^[a-z][a-z0-9+.-]*:\/\//i.test(url) && !/^[^/]+@[^/]+:/.test(url);
}

async function git(ctx: CheckoutContext, args: string[], capture?: Buffer[]): Promise<boolean> {
  if (!capture) ctx.write(Buffer.from(`$ git ${args.join(' ')}\n`));
  const result = await ctx.executor.exec(
    { file: 'git', args, cwd: ctx.workspace, env: ctx.env },
    (data) => (capture ? capture.push(data) : ctx.write(data)),
    ctx.signal,
  );
  return result.exitCode === 0;
}

/**
 * Clones the repository into the (empty) workspace at the branch, tag or commit of the plan and
 * reads back the commit. Branch and tag builds fetch one commit; commit builds fetch the history
 * they need to find it. Arguments are passed as an array after `--`, never through a shell.
 */
export async function checkout(
  ctx: CheckoutContext,
  scm: NonNullable<BuildPlan['scm']>,
): Promise<CheckoutOutcome> {
  const shallow = isLocalPath(scm.url) ? [] : ['--depth', '1'];
  if (scm.buildType === 'commit') {
    if (!(await git(ctx, ['clone', '--quiet', '--no-checkout', '--', scm.url, '.']))) {
      return { ok: false, reason: `cannot clone ${scm.url}` };
    }
    if (!(await git(ctx, ['checkout', '--quiet', '--detach', scm.commit]))) {
      return { ok: false, reason: `commit ${scm.commit} was not found in ${scm.url}` };
    }
  } else {
    const ref = scm.ref ? ['--branch', scm.ref, '--single-branch'] : [];
    if (!(await git(ctx, ['clone', '--quiet', ...shallow, ...ref, '--', scm.url, '.']))) {
      const what = scm.ref ? `${scm.buildType} ${scm.ref} of ${scm.url}` : scm.url;
      return { ok: false, reason: `cannot check out ${what}` };
    }
  }
  const out: Buffer[] = [];
  const format = scm.ref || scm.buildType === 'commit' ? '%H%x00%ct%x00%s' : '%H%x00%ct%x00%s%x00%D';
  if (!(await git(ctx, ['log', '-1', `--format=${format}`], out)))
    return { ok: false, reason: 'cannot read the commit' };
  const [commitId = '', seconds = '', subject = '', decorations = ''] = Buffer.concat(out)
    .toString('utf8')
    .trim()
    .split('\0');
  // Without a configured branch the remote's default was cloned: its name is in `HEAD -> name`.
  const branch = scm.ref || /HEAD -> ([^,]+)/.exec(decorations)?.[1] || '';
  return {
    ok: true,
    commitId,
    commitTime: /^\d+$/.test(seconds) ? Number(seconds) * 1000 : null,
    commitMessage: subject,
    branch,
  };
}
