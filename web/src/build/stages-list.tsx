import { formatDuration } from '../../../src/domain/duration.ts';
import { isStageActive, stageStatus } from '../lib/build-status.ts';
import type { BuildStage } from './use-stages.ts';

/**
 * The build's stages in order (Initialize, one per step, Finalize), each with its status and time
 * (`runningFor`: ms since the stages were read, added to a stage still waiting or running).
 * Each is a toggle button: pressing it shows that stage's log, pressing it again the whole log.
 */
export function StagesList({
  stages,
  runningFor,
  selected,
  onSelect,
}: {
  stages: BuildStage[];
  runningFor: number;
  selected: string;
  onSelect: (key: string) => void;
}) {
  return (
    <ol className="stages">
      {stages.map((s) => {
        const key = s.execution_stage_name;
        const { label, badge } = stageStatus(s.status);
        const ran = s.start_time !== '' || isStageActive(s.status);
        const time = ran ? formatDuration(s.duration + (isStageActive(s.status) ? runningFor : 0)) : '';
        return (
          <li key={key} className="stage" data-stage={key} data-stage-status={s.status}>
            <button
              type="button"
              className="stage-button"
              aria-pressed={selected === key}
              onClick={() => onSelect(selected === key ? '' : key)}
            >
              <bdi className="stage-name">{s.display_name}</bdi>
              <span className={`badge badge-${badge}`}>{label}</span>
              <span className="stage-time">
                {time}
                {s.log_status === 'none' && ran && !isStageActive(s.status) && (
                  <span className="muted"> · no log lines</span>
                )}
              </span>
            </button>
          </li>
        );
      })}
    </ol>
  );
}
