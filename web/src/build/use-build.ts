import { useEffect, useRef, useState } from 'react';
import type { Kiln } from '../../../src/client/kiln-client.ts';
import type { BuildRunnerResult, HistoryDetails, RecordDetail } from '../../../src/contract/builds.ts';
import type { BuildInfoRecord } from '../../../src/contract/records.ts';
import { isNotFound, isUnauthorized } from '../api/errors.ts';
import { isFinished, statusOf, type BuildStatus } from '../lib/build-status.ts';

/** Everything the build page shows except the log. */
export interface BuildView {
  record: BuildInfoRecord;
  detail: RecordDetail['result'];
  history: HistoryDetails;
  /** The runner that ran it (Kiln's own operation). */
  runner: BuildRunnerResult['result'];
  status: BuildStatus;
  /** When it was read (running times grow from here until the next read). */
  readAt: number;
}

/** How often a build that is not finished is read again. */
const POLL_MS = 2000;

/**
 * Reads a build (its record, its record-info with the record id, its steps and parameters, its
 * runner) and reads it again every few seconds until it is finished. `refresh()` reads it at once
 * (after a stop, or when the log says the build ended). A failed read is retried, but for a 404:
 * the build is not there (its job deleted, a number past the last), so `missing` is set and the
 * build is not read again.
 */
export function useBuild(client: Kiln, jobId: string, buildNo: number) {
  const [view, setView] = useState<BuildView>();
  const [error, setError] = useState<unknown>();
  const [nonce, setNonce] = useState(0);
  const latest = useRef(0);

  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    let stopped = false;
    const load = async () => {
      const mine = ++latest.current;
      try {
        const params = { job_id: jobId, build_no: buildNo };
        const [one, detail, history, runner] = await Promise.all([
          client.showBuildInfoRecord({ params }),
          client.showRecordDetail({ params }),
          client.showHistoryDetails({ params: { job_id: jobId, build_number: buildNo } }),
          client.showBuildRunner({ params }),
        ]);
        if (stopped || mine !== latest.current) return;
        const status = statusOf(one.result.job_running_status, one.result.state);
        setView({
          record: one.result,
          detail: detail.result,
          history,
          runner: runner.result,
          status,
          readAt: Date.now(),
        });
        setError(undefined);
        if (!isFinished(status)) timer = setTimeout(load, POLL_MS);
      } catch (e) {
        if (stopped || isUnauthorized(e)) return;
        setError(e);
        if (!isNotFound(e)) timer = setTimeout(load, POLL_MS * 2);
      }
    };
    void load();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [client, jobId, buildNo, nonce]);

  return { view, error, missing: isNotFound(error), refresh: () => setNonce((n) => n + 1) };
}
