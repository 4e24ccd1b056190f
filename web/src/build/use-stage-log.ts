import { useEffect, useState } from 'react';
import type { Kiln } from '../../../src/client/kiln-client.ts';
import { isUnauthorized } from '../api/errors.ts';
import { readTaskLog } from '../api/task-log.ts';
import { LogBuffer } from '../lib/log-buffer.ts';
import type { BuildStage } from './use-stages.ts';

/** A stage's log as read last. */
interface StageLog {
  key: string;
  buffer: LogBuffer;
  version: number;
}

/**
 * One stage's log (DownloadTaskLog by stage key). While the stage may still write
 * (`log_status` running) it is read again each time the stages are (`stagesReadAt`), and once more
 * when it stops; a finished stage is read once.
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

  useEffect(() => {
    if (!recordId || !key) return;
    const abort = new AbortController();
    readTaskLog(client, recordId, key, abort.signal).then(
      (text) => {
        const buffer = new LogBuffer();
        buffer.append(text);
        setLog((old) => ({ key, buffer, version: (old?.version ?? 0) + 1 }));
        setError(undefined);
      },
      (e: unknown) => {
        if (!abort.signal.aborted && !isUnauthorized(e)) setError(e);
      },
    );
    return () => abort.abort();
  }, [client, recordId, key, readAgain]);

  const current = log && log.key === key ? log : undefined;
  return { log: current, growing, error };
}
