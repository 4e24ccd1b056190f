import { useEffect, useRef, useState } from 'react';
import type { Kiln } from '../../../src/client/kiln-client.ts';
import { readLog } from '../../../src/client/log-follower.ts';
import { isUnauthorized } from '../api/errors.ts';
import { LogBuffer } from '../lib/log-buffer.ts';

/** Pause before reading again after a failed read. */
const RETRY_MS = 2500;

/**
 * Follows a build's log (client/log-follower.ts, the reader the CLI uses too) into a LogBuffer.
 * Leaving the page aborts the held read instead of keeping one of the browser's few connections
 * busy. A failed read is shown and retried; signing out ends it. `client` should be a quiet one
 * (the activity bar would otherwise show every held read).
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
    void readLog(client, jobId, buildNo, {
      follow: true,
      signal: abort.signal,
      onRead: () => setError(undefined),
      onText: (text) => {
        buffer.current.append(text);
        setVersion((v) => v + 1);
      },
      retry: async (e) => {
        if (isUnauthorized(e)) return false;
        setError(e);
        await new Promise((r) => setTimeout(r, RETRY_MS));
        return true;
      },
    }).then((end) => {
      if (end === 'finished') setDone(true);
    });
    return () => abort.abort();
  }, [client, jobId, buildNo]);

  return { buffer: buffer.current, version, done, error };
}
