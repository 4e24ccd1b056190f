import { createHash } from 'node:crypto';
import { badgeStatus, badgeSvg } from '../domain/badge.ts';
import type { Clock } from '../domain/clock.ts';
import { AppError } from '../domain/errors.ts';
import type { Principal } from '../domain/identity.ts';
import type { Storage } from '../storage/ports.ts';
import { requireJob } from './access.ts';
import { branchOf } from './build-report-service.ts';

/** A badge drawn: the SVG and its entity tag (it changes when the badge would read differently). */
export interface BadgeImage {
  svg: string;
  etag: string;
}

/**
 * A job's status badge: the outcome of the newest build of its branch as an SVG people put in a
 * README. The image is readable without a token, so a job has none until someone who may manage
 * its permissions turns it on; a job that does not exist and one whose badge is off answer alike.
 */
export class BadgeService {
  constructor(
    private readonly storage: Storage,
    private readonly clock: Clock,
  ) {}

  async show(caller: Principal, jobId: string): Promise<{ enabled: boolean }> {
    await requireJob(this.storage, caller, jobId, 'view');
    return { enabled: await this.storage.jobs.badgeEnabled(jobId) };
  }

  async update(caller: Principal, jobId: string, enabled: boolean): Promise<{ enabled: boolean }> {
    await requireJob(this.storage, caller, jobId, 'manager');
    await this.storage.jobs.setBadge(jobId, enabled, this.clock.now());
    return { enabled };
  }

  /** The badge of the job's branch (its own when `branch` is absent). */
  async image(jobId: string, branch: string | undefined): Promise<BadgeImage> {
    const job = await this.storage.jobs.findById(jobId);
    if (!job || !(await this.storage.jobs.badgeEnabled(jobId)))
      throw new AppError('NOT_FOUND', 'no badge here: the job does not exist or its badge is off');
    const build = await this.storage.builds.latestOnBranch(jobId, branch ?? branchOf(job));
    const svg = badgeSvg('build', badgeStatus(build));
    return { svg, etag: `"${createHash('sha256').update(svg).digest('base64url').slice(0, 22)}"` };
  }
}
