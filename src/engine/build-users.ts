import type { User } from '../domain/identity.ts';
import type { BuildRun, JobRecord, Stores } from '../storage/ports.ts';
import { triggerUserId } from './access.ts';

/** One of the users a build acts for, with the words a refusal names them by. */
export interface BuildUser {
  who: string;
  id: string;
  /** Undefined when the user no longer exists. */
  user: User | undefined;
}

/**
 * The users a build acts for when it reaches past its own job (download_file, download_artifact):
 * the job's creator; whoever had last saved the job's document when the build was triggered, whose
 * steps it runs (the creator until someone else changes the job: a developer who may change
 * another's job must not add a step that reaches the creator's files once the creator runs it);
 * and whoever started it, who chose to run them. It gets only what all of them may get. The
 * starter alone is a confused deputy: an owner who runs a developer's job ("please run my job")
 * would hand the developer's steps whatever the owner may read. The creator alone would let anyone
 * who may run a job reach what its creator may. Saving a job accepts its document as it stands,
 * as a push or a schedule builds as its last saver (access.ts triggerUserId).
 */
export async function buildUsers(stores: Stores, job: JobRecord, run: BuildRun): Promise<BuildUser[]> {
  const named = new Map<string, string>();
  for (const [who, id] of [
    ['the job’s creator', job.creatorId],
    ['who last saved the job', savedBy(run.plan) ?? (await triggerUserId(stores, job))],
    ['who started the build', run.build.userId],
  ] as const) {
    if (!named.has(id)) named.set(id, who);
  }
  return Promise.all(
    [...named].map(async ([id, who]) => ({ who, id, user: await stores.users.findById(id) })),
  );
}

/** The last saver a stored plan names (BuildPlan.savedBy); undefined for older plans. */
function savedBy(plan: string | null): string | undefined {
  if (plan === null) return undefined;
  const { savedBy: id } = JSON.parse(plan) as { savedBy?: unknown };
  return typeof id === 'string' ? id : undefined;
}
