import { useEffect, useRef, useState } from 'react';
import type { Kiln } from '../../../src/client/kiln-client.ts';
import { isUnauthorized } from '../api/errors.ts';
import { readTaskLog } from '../api/task-log.ts';
import { LogBuffer } from '../lib/log-buffer.ts';
import type { BuildStage } from './use-stages.ts';
import { LOG_KEEP_LINES, lastLines } from './log-window.ts';

/** A stage's log as read last. */
interface StageLog {
  key: string;
  buffer: LogBuffer;
  version: number;
  /** Bytes before the first line kept (a long stage log keeps its last LOG_KEEP_LINES). */
  skipped: number;
}

/**
 * One stage's log (DownloadTaskLog by stage key). While the stage may still write
 * (`log_status` running) it is read again each time the stages are (`stagesReadAt`), and once more
 * when it stops; a finished stage is read once. A read under way is never aborted for the next
 * one (a log that takes longer to read than the stages would never arrive): the next read follows
 * it. Another stage, or leaving the page, aborts it.
 */
export function useStageLog(
  client: Kiln,
  recordId: string | undefined,
  stage: BuildStage | undefined,
  stagesReadAt: number,
) {
  const [log, setLog] = useState<StageLog>();
  const [error, setError] = useState<unknown>();
  const key = stage?.execution_stage_name;
  const growing = stage?.log_status === 'running';
  const readAgain = growing ? stagesReadAt : stage?.log_status;
  // Asks for a read of the current stage's log (after the one under way, if any).
  const read = useRef<(() => void) | undefined>(undefined);

  useEffect(() => {
    if (!recordId || !key) return;
    const abort = new AbortController();
    let reading = false;
    let again = false;
    const start = () => {
      if (reading) {
        again = true;
        return;
      }
      reading = true;
      again = false;
      readTaskLog(client, recordId, key, abort.signal)
        .then(
          (text) => {
            if (abort.signal.aborted) return;
            // Only the end of a long one is parsed and kept, as for the whole log (log-window.ts).
            const { kept, skipped, skippedLines } = lastLines(text, LOG_KEEP_LINES);
            const buffer = new LogBuffer(skippedLines);
            buffer.append(kept);
            setLog((old) => ({ key, buffer, version: (old?.version ?? 0) + 1, skipped }));
            setError(undefined);
          },
          (e: unknown) => {
            if (!abort.signal.aborted && !isUnauthorized(e)) setError(e);
          },
        )
        .finally(() => {
          reading = false;
          if (again && !abort.signal.aborted) start();
        });
    };
    read.current = start;
    return () => {
      abort.abort();
      read.current = undefined;
    };
  }, [client, recordId, key]);

  useEffect(() => {
    read.current?.();
  }, [client, recordId, key, readAgain]);

  const current = log && log.key === key ? log : undefined;
  return { log: current, growing, error };
}
