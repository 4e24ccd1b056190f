import { useEffect, useRef, useState } from 'react';
import type { Kiln } from '../../../src/client/kiln-client.ts';
import { isUnauthorized } from '../api/errors.ts';
import { KeptLog } from './kept-log.ts';
import { readEarlier, readFrom, stageLogPages, type LogPages } from './log-window.ts';
import type { BuildStage } from './use-stages.ts';

/**
 * One stage's log (ShowActionIInfo by stage key, pages by byte offsets in the stage's part), read
 * as the whole log is (use-log-follower.ts): its end first (the last LOG_TAIL_BYTES, from a line
 * start), then only the bytes written since. While the stage may still write (`log_status`
 * running) it is read on each time the stages are (`stagesReadAt`), and once more when it stops. A
 * read under way is never aborted for the next one (a slow read would never arrive): the next
 * follows it. Another stage, or leaving the page, aborts it. A stage followed for long keeps only
 * its last lines (LOG_MAX_LINES), counted in `skipped`; `loadEarlier` reads the window before.
 */
export function useStageLog(
  client: Kiln,
  jobId: string,
  buildNo: number,
  stage: BuildStage | undefined,
  stagesReadAt: number,
) {
  const kept = useRef(new KeptLog());
  const [version, setVersion] = useState(0);
  // The stage whose log is kept (read at least once).
  const [shown, setShown] = useState<string>();
  const pagesRef = useRef<LogPages | undefined>(undefined);
  const [error, setError] = useState<unknown>();
  const key = stage?.execution_stage_name;
  const growing = stage?.log_status === 'running';
  const readAgain = growing ? stagesReadAt : stage?.log_status;
  // Asks for a read of the current stage's log (after the one under way, if any).
  const read = useRef<(() => void) | undefined>(undefined);

  useEffect(() => {
    if (!key) return;
    const abort = new AbortController();
    const pages = stageLogPages(client, jobId, buildNo, key, abort.signal);
    const log = new KeptLog();
    kept.current = log;
    pagesRef.current = pages;
    setShown(undefined);
    // Where what is read ends; undefined until the stage's end has been read.
    let at: number | undefined;
    const readOnce = async () => {
      const got = at === undefined ? await readEarlier(pages) : await readFrom(pages, at);
      if (abort.signal.aborted) return;
      if (at === undefined) log.start(got.from, got.text);
      else log.add(got.text);
      at = got.to;
      setVersion((v) => v + 1);
      setShown(key);
      setError(undefined);
    };
    let reading = false;
    let again = false;
    const start = () => {
      if (reading) {
        again = true;
        return;
      }
      reading = true;
      again = false;
      readOnce()
        .catch((e: unknown) => {
          if (!abort.signal.aborted && !isUnauthorized(e)) setError(e);
        })
        .finally(() => {
          reading = false;
          if (again && !abort.signal.aborted) start();
        });
    };
    read.current = start;
    return () => {
      abort.abort();
      read.current = undefined;
      pagesRef.current = undefined;
    };
  }, [client, jobId, buildNo, key]);

  useEffect(() => {
    read.current?.();
  }, [client, jobId, buildNo, key, readAgain]);

  /** Reads the window before what is shown, and puts it in front. */
  const loadEarlier = async () => {
    const log = kept.current;
    const before = log.skipped;
    const pages = pagesRef.current;
    if (before === 0 || !pages) return;
    const window = await readEarlier(pages, before);
    if (kept.current !== log || log.skipped !== before || pagesRef.current !== pages) return;
    log.addEarlier(window);
    setVersion((v) => v + 1);
  };

  const current = shown !== undefined && shown === key;
  return {
    log: current ? { buffer: kept.current.buffer, version, skipped: kept.current.skipped } : undefined,
    growing,
    error,
    loadEarlier,
  };
}
