import { AppError } from '../domain/errors.ts';
import type { Principal } from '../domain/identity.ts';
import type { Storage, Stores } from '../storage/ports.ts';
import { requireProject, viewerOf } from './access.ts';

/**
 * The most live jobs a project may have (KILN_MAX_JOBS_PER_PROJECT; 0: no limit). Jobs in the
 * recycle bin do not count. Creating, copying and restoring check it in the transaction that adds
 * the jobs, after locking the project's row, so two at once cannot both take the last place.
 */
export class JobLimit {
  constructor(readonly max: number) {}

  /** Throws CONFLICT when the project has no room for `adding` more jobs. Run it in the adding transaction. */
  async requireRoom(tx: Stores, projectId: string, adding: number): Promise<void> {
    if (this.max === 0) return;
    await tx.projects.lockForChanges(projectId);
    const count = await tx.jobs.countLive(projectId);
    if (count + adding > this.max)
      throw new AppError(
        'CONFLICT',
        `the project has ${count} jobs and may have at most ${this.max} (KILN_MAX_JOBS_PER_PROJECT): delete one first`,
      );
  }

  /**
   * CheckJobCountIsTopLimit: true when a project is full; for `projectId`, that one, else every
   * project the caller can see (false when they see none, or when there is no limit).
   */
  async reached(storage: Storage, caller: Principal, projectId: string | undefined): Promise<boolean> {
    if (projectId !== undefined) await requireProject(storage, caller, projectId, 'read');
    if (this.max === 0) return false;
    if (projectId !== undefined) return (await storage.jobs.countLive(projectId)) >= this.max;
    const viewer = viewerOf(caller);
    let seen = 0;
    for (let offset = 0; ; offset += 100) {
      const { items } = await storage.projects.listVisible(viewer.userId, viewer.domainId, viewer.admin, {
        offset,
        limit: 100,
      });
      for (const p of items) {
        seen++;
        if ((await storage.jobs.countLive(p.project.id)) < this.max) return false;
      }
      if (items.length < 100) return seen > 0;
    }
  }
}
