import type { Kiln } from '../../../src/client/kiln-client.ts';
import { ErrorMessage } from '../components/error-message.tsx';
import { Spinner } from '../components/spinner.tsx';
import { LogView } from './log-view.tsx';
import { useStageLog } from './use-stage-log.ts';
import type { BuildStage } from './use-stages.ts';

/** One stage's log, in place of the whole log, with a way back to it. */
export function StageLog({
  client,
  jobId,
  buildNo,
  stage,
  stagesReadAt,
  onClose,
}: {
  client: Kiln;
  jobId: string;
  buildNo: number;
  stage: BuildStage;
  stagesReadAt: number;
  onClose: () => void;
}) {
  const { log, growing, error, loadEarlier } = useStageLog(client, jobId, buildNo, stage, stagesReadAt);
  const key = stage.execution_stage_name;
  return (
    <>
      <h2 id="log-title">
        Log of <bdi>{stage.display_name}</bdi> <span className="muted">({key})</span>{' '}
        {(growing || !log) && <Spinner label={growing ? 'Following…' : 'Reading…'} />}
      </h2>
      <div className="actions">
        <button type="button" onClick={onClose}>
          Show the whole log
        </button>
      </div>
      <ErrorMessage error={error} title="The stage's log could not be read." />
      {log ? (
        <LogView
          key={key}
          buffer={log.buffer}
          version={log.version}
          live={growing}
          label={`Log of ${stage.display_name}`}
          testId="stage-log"
          skipped={log.skipped}
          onLoadEarlier={loadEarlier}
        />
      ) : (
        !error && <p className="muted">Loading…</p>
      )}
    </>
  );
}
