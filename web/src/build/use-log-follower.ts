import { useEffect, useRef, useState } from 'react';
import type { Kiln } from '../../../src/client/kiln-client.ts';
import type { ResponseOf } from '../../../src/contract/operation-types.ts';
import { operations } from '../../../src/contract/operations.ts';
import { isUnauthorized } from '../api/errors.ts';
import { LogBuffer } from '../lib/log-buffer.ts';

/** How long the server may hold a read at the end of a running build's log for new bytes. */
const WAIT_MS = 10_000;
/** Pause after an answer with nothing new (a server that does not wait is not asked in a tight loop). */
const IDLE_MS = 250;
const RETRY_MS = 2500;

/**
 * Follows a build's log with DownloadRealTimeLog: read from the last offset, append, and go on while
 * the server says there is more (it does until the build is finished and all is read). Each read
 * asks the server to hold the answer until new bytes come (`wait_ms`), so lines show as they are
 * written without polling. The raw request is used because it takes an AbortSignal: leaving the
 * page ends the held read instead of keeping one of the browser's few connections busy.
 * `client` should be a quiet one (the activity bar would otherwise show every held read).
 */
export function useLogFollower(client: Kiln, jobId: string, buildNo: number) {
  const buffer = useRef(new LogBuffer());
  const [version, setVersion] = useState(0);
  const [done, setDone] = useState(false);
  const [error, setError] = useState<unknown>();

  useEffect(() => {
    buffer.current = new LogBuffer();
    setVersion(0);
    setDone(false);
    const abort = new AbortController();
    const path = operations.downloadRealTimeLog.path
      .replace('{job_id}', encodeURIComponent(jobId))
      .replace('{build_no}', String(buildNo));
    let offset = 0;
    const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
    (async () => {
      while (!abort.signal.aborted) {
        try {
          const response = await client.request({
            method: operations.downloadRealTimeLog.method,
            path,
            query: { offset, wait_ms: WAIT_MS },
            signal: abort.signal,
          });
          const { result } = (await response.json()) as ResponseOf<'downloadRealTimeLog'>;
          if (abort.signal.aborted) return;
          setError(undefined);
          if (result.content !== '') {
            buffer.current.append(result.content);
            setVersion((v) => v + 1);
          }
          const progressed = result.offset > offset;
          offset = result.offset;
          if (!result.has_more_data) {
            setDone(true);
            return;
          }
          if (!progressed) await sleep(IDLE_MS);
        } catch (e) {
          if (abort.signal.aborted || isUnauthorized(e)) return;
          setError(e);
          await sleep(RETRY_MS);
        }
      }
    })();
    return () => abort.abort();
  }, [client, jobId, buildNo]);

  return { buffer: buffer.current, version, done, error };
}
