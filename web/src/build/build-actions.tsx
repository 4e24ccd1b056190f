import { useState } from 'react';
import type { Kiln } from '../../../src/client/kiln-client.ts';
import { downloadBuildLog } from '../api/download-log.ts';
import { ErrorMessage } from '../components/error-message.tsx';
import { isFinished } from '../lib/build-status.ts';
import { MASK } from '../../../src/domain/build.ts';
import { BRANCH_PARAMETER } from '../../../src/domain/job-parameters.ts';
import { navigate } from '../router/router.tsx';
import type { BuildView } from './use-build.ts';

/**
 * Stop, rebuild and download; Stop and Rebuild only for those who may run the job (`mayRun`). A
 * rebuild runs the job again with this build's parameters (a masked sensitive value is left out,
 * so the job's stored default applies) and the same branch, tag or commit.
 */
export function BuildActions({
  client,
  jobId,
  buildNo,
  view,
  mayRun,
  onStopped,
}: {
  client: Kiln;
  jobId: string;
  buildNo: number;
  view: BuildView | undefined;
  /** The job's is_execute for the person: run and stop its builds. */
  mayRun: boolean;
  onStopped: () => void;
}) {
  const [busy, setBusy] = useState<'' | 'stop' | 'rebuild' | 'download'>('');
  // The build a stop was accepted for: StopBuildJob answers once the stop is asked, and the build
  // runs on until its runner has ended it (a step ignoring SIGTERM for the kill grace), so Stop
  // keeps saying "Stopping…" until the page reads it finished, rather than offering itself again.
  const [stopAskedFor, setStopAskedFor] = useState<number>();
  const stopAsked = stopAskedFor === buildNo;
  const [error, setError] = useState<unknown>();
  const finished = view ? isFinished(view.status) : true;

  const act = async (what: 'stop' | 'rebuild' | 'download', run: () => Promise<void>) => {
    setBusy(what);
    setError(undefined);
    try {
      await run();
    } catch (e) {
      setError(e);
    } finally {
      setBusy('');
    }
  };

  const stop = () =>
    act('stop', async () => {
      await client.stopBuildJob({ params: { job_id: jobId, build_no: buildNo } });
      setStopAskedFor(buildNo);
      onStopped();
    });

  const rebuild = () =>
    act('rebuild', async () => {
      if (!view) return;
      const parameter = Object.entries(view.history.parameters)
        .filter(([, value]) => value !== MASK)
        .map(([name, value]) => ({ name, value }));
      const d = view.detail;
      const scm =
        d.build_type === 'tag' && d.tag
          ? { build_tag: d.tag }
          : d.build_type === 'commit' && d.commit
            ? { build_commit_id: d.commit }
            : undefined;
      if (!scm && d.branch && !parameter.some((p) => p.name === BRANCH_PARAMETER))
        parameter.push({ name: BRANCH_PARAMETER, value: d.branch });
      const res = await client.runJob({ body: { job_id: jobId, parameter, ...(scm && { scm }) } });
      navigate(`/jobs/${jobId}/builds/${res.actual_build_number}`);
    });

  const download = () =>
    act('download', async () => {
      if (view)
        await downloadBuildLog(client, view.detail.id, `${view.history.job_name || jobId}-${buildNo}.log`);
    });

  return (
    <div className="actions">
      {mayRun && !finished && (
        <button type="button" className="danger" onClick={stop} disabled={busy !== '' || stopAsked}>
          {busy === 'stop' || stopAsked ? 'Stopping…' : 'Stop'}
        </button>
      )}
      {mayRun && (
        <button type="button" onClick={rebuild} disabled={!view || busy !== ''}>
          {busy === 'rebuild' ? 'Starting…' : 'Rebuild'}
        </button>
      )}
      <button type="button" onClick={download} disabled={!view || busy !== ''}>
        {busy === 'download' ? 'Downloading…' : 'Download log'}
      </button>
      <ErrorMessage error={error} />
    </div>
  );
}
