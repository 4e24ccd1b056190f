import type { User } from '../domain/identity.ts';
import type { Stores } from '../storage/ports.ts';

/** One of the users a build acts for, with the words a refusal names them by. */
export interface BuildUser {
  who: string;
  id: string;
  /** Undefined when the user no longer exists. */
  user: User | undefined;
}

/**
 * The users a build acts for when it reaches past its own job (download_file, download_artifact):
 * the job's creator, whose steps it runs, and whoever started it, who chose to run them. It gets
 * only what both may get. The starter alone is a confused deputy: an owner who runs a developer's
 * job ("please run my job") would hand the developer's steps whatever the owner may read. The
 * creator alone would let anyone who may run a job reach what its creator may.
 */
export async function buildUsers(
  stores: Stores,
  job: { creatorId: string },
  starterId: string,
): Promise<BuildUser[]> {
  const pairs = [
    ['the job’s creator', job.creatorId],
    ['who started the build', starterId],
  ] as const;
  return Promise.all(pairs.map(async ([who, id]) => ({ who, id, user: await stores.users.findById(id) })));
}
