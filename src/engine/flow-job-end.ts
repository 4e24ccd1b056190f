import type { Build } from '../domain/build.ts';
import type { Stores } from '../storage/ports.ts';
import { serverLine } from './trigger.ts';

/** The flow's log line for one of its jobs' builds. */
export function endedLine(child: Build, outcome: string): Uint8Array {
  return serverLine(`build #${child.number} (${child.dailyBuildNumber}) ended ${outcome}`);
}

/**
 * A flow job's end, written into its flow's log in the transaction that ends the job: once anyone
 * can see the job ended (and so the flow end), its line is already there, before the flow's last.
 * Written after the commit, it could follow "BuildFlow finished" when another job's end finished
 * the flow first. A job that never started gets its own line from the flow (FlowService.advance).
 */
export async function logFlowJobEnd(tx: Stores, build: Build, outcome: string): Promise<void> {
  const parentId = await tx.flows.parentOf(build.recordId);
  if (!parentId) return;
  const started = (await tx.flows.progress(parentId))?.some((j) => j.childId === build.recordId && j.started);
  if (started) await tx.logs.appendAtEnd(parentId, endedLine(build, outcome));
}
