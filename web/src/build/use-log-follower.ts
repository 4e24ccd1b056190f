import { useEffect, useRef, useState } from 'react';
import type { Kiln } from '../../../src/client/kiln-client.ts';
import { readLog } from '../../../src/client/log-follower.ts';
import { isNotFound, isUnauthorized } from '../api/errors.ts';
import { KeptLog } from './kept-log.ts';
import { buildLogPages, readEarlier, readTail } from './log-window.ts';

/** Pause before reading again after a failed read. */
const RETRY_MS = 2500;

/**
 * Follows a build's log (client/log-follower.ts, the reader the CLI uses too) into a LogBuffer.
 * A long log (log-window.ts) is not read whole: its end first, then followed from there; `skipped`
 * says how many bytes come before what is shown, and `loadEarlier` reads the window before them.
 * A log followed for long keeps only its last lines (LOG_MAX_LINES): the ones dropped count in
 * `skipped`, and can be read back the same way.
 * Leaving the page aborts the held read instead of keeping one of the browser's few connections
 * busy. A failed read is shown and retried; signing out ends it, and so does a 404 (no such build:
 * `missing`, and nothing more to wait for). `client` should be a quiet one
 * (the activity bar would otherwise show every held read).
 */
export function useLogFollower(client: Kiln, jobId: string, buildNo: number) {
  const kept = useRef(new KeptLog());
  const [version, setVersion] = useState(0);
  const [done, setDone] = useState(false);
  const [error, setError] = useState<unknown>();

  useEffect(() => {
    const log = new KeptLog();
    kept.current = log;
    setVersion(0);
    setDone(false);
    const abort = new AbortController();
    const follow = async () => {
      // The end of a long log first (a failure here: read it whole, as for a short one).
      const tail = await readTail(buildLogPages(client, jobId, buildNo)).catch(() => undefined);
      if (abort.signal.aborted) return;
      if (tail) {
        log.start(tail.from, tail.text);
        setVersion((v) => v + 1);
      }
      const end = await readLog(client, jobId, buildNo, {
        follow: true,
        from: tail?.to ?? 0,
        signal: abort.signal,
        onRead: () => setError(undefined),
        onText: (text) => {
          log.add(text);
          setVersion((v) => v + 1);
        },
        retry: async (e) => {
          if (isUnauthorized(e)) return false;
          setError(e);
          if (isNotFound(e)) return false;
          await new Promise((r) => setTimeout(r, RETRY_MS));
          return true;
        },
      });
      if (end === 'finished') setDone(true);
    };
    void follow();
    return () => abort.abort();
  }, [client, jobId, buildNo]);

  /** Reads the window before what is shown, and puts it in front. */
  const loadEarlier = async () => {
    const log = kept.current;
    const before = log.skipped;
    if (before === 0) return;
    const window = await readEarlier(buildLogPages(client, jobId, buildNo), before);
    // Another build's log meanwhile (the page moved on), or lines dropped: this window is not theirs.
    if (kept.current !== log || log.skipped !== before) return;
    log.addEarlier(window);
    setVersion((v) => v + 1);
  };

  const log = kept.current;
  return {
    buffer: log.buffer,
    version,
    done,
    error,
    missing: isNotFound(error),
    skipped: log.skipped,
    loadEarlier,
  };
}
