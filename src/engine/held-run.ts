import { LeaseLostError } from '../protocol/runner-protocol.ts';
import type { BuildRun, Stores } from '../storage/ports.ts';

/** The build if `runnerId` holds it and it has not finished, else LeaseLostError. */
export async function heldRun(stores: Stores, runnerId: string, recordId: string): Promise<BuildRun> {
  const run = await stores.builds.findRun(recordId);
  if (!run || run.runnerId !== runnerId || run.build.runningStatus === 'Finished')
    throw new LeaseLostError(recordId);
  return run;
}
