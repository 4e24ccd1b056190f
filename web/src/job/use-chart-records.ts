import type { Kiln } from '../../../src/client/kiln-client.ts';
import type { BuildInfoRecord } from '../../../src/contract/records.ts';
import { useAsync } from '../app/use-async.ts';
import { windowKey, type WindowSpec } from '../lib/time-window.ts';
import { windowQuery } from './use-records-page.ts';

/** The charts never read more than this many builds (the newest of the window). */
export const CHART_CAP = 1000;
const PAGE = 100;
const PARALLEL = 4;

/** What the charts draw from. */
export interface ChartRecords {
  records: BuildInfoRecord[];
  /** Builds in the window (may be more than `records`). */
  total: number;
  capped: boolean;
  from: number;
  to: number;
}

/**
 * Reads the newest CHART_CAP builds of the window, a few pages at a time. A window of a million
 * builds would be gigabytes; the newest thousand draw the same trend and the page says so.
 * `refresh` changes when the charts should read again; undefined holds them back.
 */
export function useChartRecords(client: Kiln, jobId: string, spec: WindowSpec, refresh: string | undefined) {
  return useAsync<ChartRecords | undefined>(async () => {
    // Nothing until the table's page is in: the first page on screen comes first.
    if (refresh === undefined) return undefined;
    const w = windowQuery(spec);
    const fetchPage = (page_index: number) =>
      client.listBuildInfoRecord({
        params: { job_id: jobId },
        query: { start_time: w.startTime, end_time: w.endTime, page_index, page_size: PAGE },
      });
    const first = await fetchPage(0);
    const total = Number(first.result.total_record);
    const pages = Math.min(Number(first.result.total_page), CHART_CAP / PAGE);
    const byNumber = new Map<number, BuildInfoRecord>();
    for (const r of first.result.job_build_states) byNumber.set(r.number, r);
    for (let next = 1; next < pages; next += PARALLEL) {
      const batch = [];
      for (let p = next; p < Math.min(pages, next + PARALLEL); p++) batch.push(fetchPage(p));
      for (const res of await Promise.all(batch))
        for (const r of res.result.job_build_states) byNumber.set(r.number, r);
    }
    // A build that started while the pages were read shifts later pages by one; the map drops
    // the duplicate this makes.
    const records = [...byNumber.values()].sort((a, b) => b.start_time - a.start_time || b.number - a.number);
    return { records: records.slice(0, CHART_CAP), total, capped: total > CHART_CAP, from: w.from, to: w.to };
  }, [client, jobId, windowKey(spec), refresh]);
}
