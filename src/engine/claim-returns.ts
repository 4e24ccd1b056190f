import type { QueuePlace, Stores } from '../storage/ports.ts';
import { finishBuild } from './notice-outbox.ts';
import { appendServerLines, serverLine } from './trigger.ts';

/**
 * A build whose claim was lost this many times before it started (its runner went silent each
 * time) ends ABORTED instead of going back to the queue: a build that kills every runner that
 * takes it (a checkout that runs the machine out of memory) would otherwise go round for ever.
 */
export const MAX_LOST_CLAIMS = 3;

/**
 * Puts a build whose claim came back before it started where the claim took it from: its place
 * and needs in the queue (at the end, for a claim made before places were kept). Run it in the
 * transaction that took the claim back.
 */
export async function putBack(
  tx: Stores,
  recordId: string,
  jobId: string,
  place: QueuePlace | undefined,
  now: number,
): Promise<void> {
  if (place) await tx.queue.restore(recordId, jobId, place.seq, now, place.needs);
  else await tx.queue.enqueue(recordId, jobId, now);
}

/**
 * Ends a build that never started, with `state`: its log gets `lines`, then how it finished. Run it
 * in the transaction that took its claim back.
 */
export async function endUnstarted(
  tx: Stores,
  recordId: string,
  state: 'ABORTED' | 'FAILURE',
  times: { startTime: number; now: number },
  lines: string[],
): Promise<void> {
  await finishBuild(tx, recordId, {
    state,
    finishedAt: times.now,
    buildTime: 0,
    costTime: times.now - times.startTime,
  });
  await appendServerLines(
    tx.logs,
    recordId,
    Buffer.concat([...lines, `build finished: ${state}`].map((line) => serverLine(line))),
  );
}

/**
 * Ends a build whose claim came back before it started while a stop was asked: StopBuildJob found
 * it claimed, so it only asked the runner, which will now never hear it; back in the queue it would
 * wait as if nothing was asked. ABORTED, as a queued build that is stopped. Run it in the
 * transaction that took the claim back.
 */
export function endStopped(tx: Stores, recordId: string, startTime: number, now: number): Promise<void> {
  return endUnstarted(tx, recordId, 'ABORTED', { startTime, now }, [
    'the build was stopped before it started',
  ]);
}
