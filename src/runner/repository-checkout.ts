import { chownSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { BuildPlan } from '../domain/build-plan.ts';
import { maskUrlCredentials } from '../domain/url-credentials.ts';
import {
  checkout,
  CHECKOUT_GITCONFIG,
  CHECKOUT_SCRIPT,
  mirrorFailureReason,
  type CheckoutOutcome,
} from './checkout.ts';
import type { MirrorCache, MirrorFailure, MirrorHold } from './mirrors.ts';
import type { Sandbox } from './sandbox.ts';
import type { CheckoutWork } from './step-work.ts';
import { mirrorSubmodules } from './submodules.ts';
import { untilAborted } from './until-aborted.ts';

/** What checking out a repository in a build needs. */
export interface RepositoryCheckoutContext {
  mirrors: MirrorCache;
  slot: number;
  sandbox: Sandbox;
  /** The build's ctl directory on the host (checkout.sh and its gitconfig go there). */
  ctl: string;
  owner: { uid: number; gid: number } | undefined;
  env: Record<string, string>;
  signal: AbortSignal;
  write: (data: Buffer) => void;
  /** A fetch made after this (the runner's clock) is fresh enough. */
  freshSince: number;
  /** The workspace must stand alone after the build. */
  standalone: boolean;
  /** Every mirror the build holds, released when it ends: this adds its own. */
  holds: MirrorHold[];
  /** Every commit checked out must be on a branch or tag (BuildPlan's `onBranchOrTag`). */
  onBranchOrTag: boolean;
}

type Scm = NonNullable<BuildPlan['scm']>;

/**
 * Checks a repository out through the runner's mirror of it: the mirror fetches (once for builds
 * triggered together), its submodules' mirrors too when asked, then one clone in the build's
 * sandbox, into the workspace or `dir` inside it. The job's own repository and a build.yml
 * `checkout` action's other repository go the same way.
 */
export function checkoutRepository(
  ctx: RepositoryCheckoutContext,
  named: Scm,
  dir = '.',
): Promise<CheckoutOutcome | MirrorFailure> | { error: string } {
  // `git clone` takes a plain path for a directory before any insteadOf rule could send it to the
  // mirror, and the path is not in the sandbox: the same repository as a file:// URL goes through
  // the mirror like any other (and `origin` names it so).
  const scm = named.url.startsWith('/') ? { ...named, url: pathToFileURL(named.url).href } : named;
  const held = ctx.mirrors.hold(scm.url);
  if ('error' in held) return { error: `${maskUrlCredentials(scm.url)} ${held.error}` };
  ctx.holds.push(held);
  // A branch or tag build given a commit too (a BuildFlow's job: the commit its flow checked out)
  // checks that commit out; it stays a build of that branch or tag (codeBranch, GIT_TAG).
  const kind = scm.commit !== '' ? 'commit' : scm.buildType;
  return held.update(
    ctx.slot,
    {
      kind,
      ref: scm.ref,
      commit: scm.commit,
      onBranchOrTag: ctx.onBranchOrTag,
      lfs: scm.lfs === true,
    },
    ctx.write,
    ctx.freshSince,
    async (resolved) => {
      const submoduleRules = scm.submodules
        ? await mirrorSubmodules(
            ctx.mirrors,
            ctx.slot,
            { hold: held, commit: resolved.commitId, url: scm.url },
            ctx.sandbox.inside.mirrors,
            { write: ctx.write, freshSince: ctx.freshSince, holds: ctx.holds, signal: ctx.signal },
          )
        : [];
      if ('failure' in submoduleRules) return submoduleRules;
      writeOwned(join(ctx.ctl, '.gitconfig'), CHECKOUT_GITCONFIG, ctx.owner);
      writeOwned(join(ctx.ctl, 'checkout.sh'), CHECKOUT_SCRIPT, ctx.owner);
      return checkout(
        {
          sandbox: ctx.sandbox,
          env: ctx.env,
          signal: ctx.signal,
          write: ctx.write,
          standalone: ctx.standalone,
        },
        scm,
        resolved,
        { name: held.name, submoduleRules },
        dir,
      );
    },
    ctx.signal,
  );
}

/** Writes a file the build's user may read (the runner may be root, the build not). */
export function writeOwned(
  path: string,
  text: string,
  owner: { uid: number; gid: number } | undefined,
): void {
  writeFileSync(path, text, { mode: 0o600 });
  if (owner) chownSync(path, owner.uid, owner.gid);
}

/** A build.yml checkout of another repository (or into a sub-directory): true when it is in place. */
export async function checkoutAction(
  ctx: RepositoryCheckoutContext,
  work: CheckoutWork,
  line: (text: string) => void,
  signal: AbortSignal,
): Promise<boolean> {
  const scm = {
    url: work.url,
    buildType: work.kind,
    ref: work.ref,
    commit: work.commit,
    lfs: work.lfs,
    submodules: work.submodules,
  };
  line(`fetching ${maskUrlCredentials(work.url)} into the runner's mirror, for ${work.dir}`);
  const started = checkoutRepository(ctx, scm, work.dir);
  if ('error' in started) {
    line(`checkout failed: ${started.error}`);
    return false;
  }
  const result = await untilAborted(started, signal);
  if (!result) return false;
  if ('failure' in result) {
    line(`checkout failed: ${mirrorFailureReason(result, scm)}`);
    return false;
  }
  if (!result.ok) {
    line(`checkout failed: ${result.reason}`);
    return false;
  }
  line(`checked out ${result.commitId} in ${work.dir}`);
  return true;
}
