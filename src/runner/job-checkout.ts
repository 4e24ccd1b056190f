import type { BuildState } from '../domain/build.ts';
import type { BuildPlan } from '../domain/build-plan.ts';
import { CONTROL_CHARS } from '../domain/control-chars.ts';
import { maskUrlCredentials } from '../domain/url-credentials.ts';
import type { BuildOutput } from './build-output.ts';
import type { BuildStop } from './build-stop.ts';
import { mirrorFailureReason } from './checkout.ts';
import { checkoutRepository, type RepositoryCheckoutContext } from './repository-checkout.ts';
import { untilAborted } from './until-aborted.ts';

/** What the build checked out: the commit and branch its steps see ('' for a job with no repository). */
export interface CheckedOut {
  commitId: string;
  commitTime: number | null;
  commitMessage: string;
  commitAuthor: string;
  branch: string;
}

/**
 * Checks the job's repository out into the workspace (nothing for a job without one), saying so in
 * the log. Its answer: what was checked out; or how the build ends (the checkout failed, or the
 * build was stopped during it); or `handBack` when the runner is stopping before the checkout was
 * done: nothing of the build ran, so it goes back to its place in the queue, as for a runner lost
 * during checkout, not ABORTED by a restart.
 */
export async function checkOutJob(
  ctx: RepositoryCheckoutContext,
  scm: BuildPlan['scm'],
  output: BuildOutput,
  stop: BuildStop,
): Promise<{ checkedOut: CheckedOut } | { end: BuildState } | { handBack: true }> {
  if (!scm)
    return {
      checkedOut: { commitId: '', commitTime: null, commitMessage: '', commitAuthor: '', branch: '' },
    };
  const { line } = output;
  line(`fetching ${maskUrlCredentials(scm.url)} into the runner's mirror`);
  // The checkout runs once the mirror has answered, while the mirror's refs stay as resolved.
  const started = checkoutRepository(ctx, scm);
  if ('error' in started) {
    line(`checkout failed: ${started.error}`);
    return { end: 'FAILURE' };
  }
  const result = await untilAborted(started, stop.signal);
  // (Or the stop is what failed it: the mirror's sandbox ended with the runner.)
  if (stop.reason === 'shutdown' && !(result && !('failure' in result) && result.ok)) {
    line('checkout interrupted (the runner is stopping); the build goes back to the queue');
    return { handBack: true };
  }
  if (!result) {
    line(`checkout interrupted (${stop.describe()})`);
    return { end: stop.state() };
  }
  if ('failure' in result) {
    line(`checkout failed: ${mirrorFailureReason(result, scm)}`);
    return { end: 'FAILURE' };
  }
  if (!result.ok) {
    line(stop.reason ? `checkout interrupted (${stop.describe()})` : `checkout failed: ${result.reason}`);
    return { end: stop.reason ? stop.state() : 'FAILURE' };
  }
  // Kiln's own line: the subject is whoever committed it's text, its control characters (a CR
  // overwriting the line, an escape sequence) spaces, as in a step's name.
  const subject = result.commitMessage.replace(CONTROL_CHARS, ' ');
  line(`checked out ${result.commitId}${subject ? ` "${subject}"` : ''}`);
  return {
    checkedOut: {
      commitId: result.commitId,
      commitTime: result.commitTime,
      commitMessage: result.commitMessage,
      commitAuthor: result.commitAuthor ?? '',
      branch: result.branch,
    },
  };
}
