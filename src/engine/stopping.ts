import type { Build } from '../domain/build.ts';
import type { Stores } from '../storage/ports.ts';
import { appendServerLines, serverLine } from './trigger.ts';
import { finishBuild } from './notice-outbox.ts';

/**
 * Ends a build that no runner has taken yet: off the queue, ABORTED, with a log line saying why.
 * Run it in a transaction. False when the build was no longer queued (a runner took it: it must
 * be asked to stop instead, see `BuildStore.requestCancel`).
 */
export async function abortQueued(tx: Stores, build: Build, now: number, reason: string): Promise<boolean> {
  if (!(await tx.queue.remove(build.recordId))) return false;
  await finishBuild(tx, build.recordId, {
    state: 'ABORTED',
    finishedAt: now,
    buildTime: 0,
    costTime: now - build.startTime,
  });
  await appendServerLines(tx.logs, build.recordId, serverLine(reason));
  return true;
}
