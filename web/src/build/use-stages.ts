import { useEffect, useState } from 'react';
import type { Kiln } from '../../../src/client/kiln-client.ts';
import type { FullStages } from '../../../src/contract/record-views.ts';
import { isUnauthorized } from '../api/errors.ts';

/** One stage of a build (initial, stage1.., final). */
export type BuildStage = FullStages['result']['build_stages'][string];

/** A build's stages in order, and when they were read (running times grow from there). */
export interface StagesView {
  list: BuildStage[];
  readAt: number;
}

/**
 * Reads a build's stages (ShowBuildRecordFullStages) each time the build itself is read
 * (`buildReadAt`: every few seconds while it runs, once more when it ends), so the stages and the
 * build's status move together. An answer that arrives after a newer read began is dropped.
 */
export function useStages(client: Kiln, recordId: string | undefined, buildReadAt: number | undefined) {
  const [stages, setStages] = useState<StagesView>();
  const [error, setError] = useState<unknown>();

  useEffect(() => {
    if (!recordId) return;
    let stale = false;
    client.showBuildRecordFullStages({ params: { record_id: recordId } }).then(
      (res) => {
        if (stale) return;
        const list = Object.values(res.result.build_stages).sort((a, b) => a.sequence - b.sequence);
        setStages({ list, readAt: Date.now() });
        setError(undefined);
      },
      (e: unknown) => {
        if (!stale && !isUnauthorized(e)) setError(e);
      },
    );
    return () => {
      stale = true;
    };
  }, [client, recordId, buildReadAt]);

  return { stages, error };
}
