import type { Kiln } from '../../../src/client/kiln-client.ts';
import type { RecordsPage } from '../../../src/contract/records.ts';
import { useAsync } from '../app/use-async.ts';
import { serverWallClock } from '../lib/server-time.ts';
import { resolveWindow, windowKey, type WindowSpec } from '../lib/time-window.ts';

/** One page of a job's history and the window it was asked for. */
export interface LoadedPage {
  result: RecordsPage['result'];
  startTime: string;
  endTime: string;
  from: number;
  to: number;
}

/** The window as the records API takes it. */
export function windowQuery(spec: WindowSpec, now = Date.now()) {
  const { from, to } = resolveWindow(spec, now);
  return { from, to, startTime: serverWallClock(from), endTime: serverWallClock(to) };
}

/**
 * Loads exactly one page of build-info-records: the only request the history table makes, so a
 * job with a million builds costs what a job with ten does.
 */
export function useRecordsPage(
  client: Kiln,
  jobId: string,
  spec: WindowSpec,
  page: number,
  size: number,
  tick: number,
) {
  return useAsync<LoadedPage>(async () => {
    const w = windowQuery(spec);
    const res = await client.listBuildInfoRecord({
      params: { job_id: jobId },
      query: { start_time: w.startTime, end_time: w.endTime, page_index: page, page_size: size },
    });
    return { result: res.result, ...w };
  }, [client, jobId, windowKey(spec), page, size, tick]);
}
