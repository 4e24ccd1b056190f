import { useEffect, useRef, useState } from 'react';
import type { Kiln } from '../../../src/client/kiln-client.ts';
import { readLog } from '../../../src/client/log-follower.ts';
import { isNotFound, isUnauthorized } from '../api/errors.ts';
import { LogBuffer } from '../lib/log-buffer.ts';
import { buildLogPages, LOG_KEEP_LINES, LOG_MAX_LINES, readEarlier, readTail } from './log-window.ts';

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
  const buffer = useRef(new LogBuffer());
  const [version, setVersion] = useState(0);
  const [done, setDone] = useState(false);
  const [error, setError] = useState<unknown>();
  const [skipped, setSkipped] = useState(0);
  const skippedRef = useRef(0);
  // Lines read back on demand: kept on top of LOG_MAX_LINES, as the reader asked for them.
  const extra = useRef(0);

  useEffect(() => {
    buffer.current = new LogBuffer();
    setVersion(0);
    setDone(false);
    setSkipped((skippedRef.current = 0));
    extra.current = 0;
    const abort = new AbortController();
    // Past LOG_MAX_LINES (and the lines read back), the oldest go, counted in what is skipped.
    const trim = () => {
      const b = buffer.current;
      if (b.length <= LOG_MAX_LINES + extra.current) return;
      setSkipped((skippedRef.current += b.dropFirst(b.length - LOG_KEEP_LINES - extra.current)));
    };
    const follow = async () => {
      // The end of a long log first (a failure here: read it whole, as for a short one).
      const tail = await readTail(buildLogPages(client, jobId, buildNo)).catch(() => undefined);
      if (abort.signal.aborted) return;
      if (tail) {
        buffer.current.append(tail.text);
        setSkipped((skippedRef.current = tail.from));
        trim();
        setVersion((v) => v + 1);
      }
      const end = await readLog(client, jobId, buildNo, {
        follow: true,
        from: tail?.to ?? 0,
        signal: abort.signal,
        onRead: () => setError(undefined),
        onText: (text) => {
          buffer.current.append(text);
          trim();
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
    const before = skippedRef.current;
    if (before === 0) return;
    const window = await readEarlier(buildLogPages(client, jobId, buildNo), before);
    if (skippedRef.current !== before) return;
    const had = buffer.current.length;
    buffer.current.prepend(window.text);
    extra.current += buffer.current.length - had;
    setSkipped((skippedRef.current = window.from));
    setVersion((v) => v + 1);
  };

  return { buffer: buffer.current, version, done, error, missing: isNotFound(error), skipped, loadEarlier };
}
