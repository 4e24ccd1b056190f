import { useEffect, useMemo, useRef, useState } from 'react';
import { useSignedIn } from '../app/session-context.tsx';
import { useAsync } from '../app/use-async.ts';
import { useNow } from '../app/use-now.ts';
import { BuildActions } from '../build/build-actions.tsx';
import { BuildArtifacts } from '../build/build-artifacts.tsx';
import { BuildFlow } from '../build/build-flow.tsx';
import { BuildScript } from '../build/build-script.tsx';
import { BuildTests } from '../build/build-tests.tsx';
import { FlowParent } from '../build/flow-parent.tsx';
import { LogView } from '../build/log-view.tsx';
import { downloadBuildLog } from '../api/download-log.ts';
import { StageLog } from '../build/stage-log.tsx';
import { StagesList } from '../build/stages-list.tsx';
import { useBuild } from '../build/use-build.ts';
import { useLogFollower } from '../build/use-log-follower.ts';
import { useStages } from '../build/use-stages.ts';
import { ErrorMessage } from '../components/error-message.tsx';
import { Spinner } from '../components/spinner.tsx';
import { StatusBadge } from '../components/status-badge.tsx';
import {
  isFinished,
  isStageActive,
  stageStatus,
  statusLabel,
  type BuildStatus,
} from '../lib/build-status.ts';
import { formatDuration } from '../../../src/domain/duration.ts';
import { isStepStage, stepRanges } from '../lib/log-sections.ts';
import { formatLocalTime, isolated, shortCommit } from '../lib/format.ts';
import { Link, navigate, useLocation } from '../router/router.tsx';
import { triggerMeaning } from '../lib/triggers.ts';

/**
 * One build: summary, a BuildFlow's graph (or, for a flow's job, its flow), stages (each one's log
 * on selection, `?stage=` in the URL), parameters, the live log, its artifacts, the build.yml,
 * stop/rebuild/download.
 */
export function BuildPage({ jobId, buildNo }: { jobId: string; buildNo: number }) {
  const { client, quietClient } = useSignedIn();
  const { path, query } = useLocation();
  const { view, error, missing, refresh } = useBuild(client, jobId, buildNo);
  // Whether the person may run and stop the job's builds (ShowJobInfo answers for the caller): Stop
  // and Rebuild are left out for those who may not, as on the job page, rather than refused.
  const info = useAsync(() => client.showJobInfo({ params: { job_id: jobId } }), [client, jobId]);
  const log = useLogFollower(quietClient, jobId, buildNo);
  const recordId = view?.detail.id;
  const { stages, error: stagesError } = useStages(client, recordId, view?.readAt);
  const live = view ? !isFinished(view.status) : true;
  const now = useNow(view?.status === 'running');
  // Between reads, a running build's time grows on screen by the time since the read.
  const sinceRead = view?.status === 'running' ? Math.max(0, now - view.readAt) : 0;
  const stagesSinceRead = stages && view?.status === 'running' ? Math.max(0, now - stages.readAt) : 0;
  // Where each step's bytes are (the server's record): the log's sections, which no line a build
  // prints can forge.
  const steps = useMemo(() => stages && stepRanges(stages.list), [stages]);
  // Whether the build is a BuildFlow (its graph was read): it runs on no runner itself.
  const [isFlow, setIsFlow] = useState(false);
  // A build with steps of its own is no BuildFlow (a flow's build.yml gives its jobs, not steps):
  // its flow graph is not asked for again (each ask answers 404) while it runs.
  const hasSteps = stages?.list.some((s) => isStepStage(s.execution_stage_name)) === true;
  // A build becomes a BuildFlow, or gets its build.yml's steps, in the transaction that marks it
  // running (engine/dispatch-service.ts started()): before that no graph can be there, and after
  // it the first stages read shows whether it has steps. So the graph is asked for only once the
  // stages were read after the first read of the build started (the time of that read, per record).
  const [startedRead, setStartedRead] = useState<{ recordId: string; at: number }>();
  if (view && view.status !== 'queued' && startedRead?.recordId !== view.detail.id)
    setStartedRead({ recordId: view.detail.id, at: view.readAt });
  const stepsKnown =
    startedRead !== undefined &&
    startedRead.recordId === view?.detail.id &&
    stages !== undefined &&
    stages.readAt >= startedRead.at;
  const stageKey = query.get('stage') ?? '';
  const stage = stages?.list.find((s) => s.execution_stage_name === stageKey);
  const selectStage = (key: string) => {
    navigate(key ? `${path}?stage=${encodeURIComponent(key)}` : path, { replace: true });
    // On a phone the log is below the stages: bring the log that changed into view.
    if (key && window.matchMedia('(max-width: 720px)').matches)
      requestAnimationFrame(() => document.getElementById('log-title')?.scrollIntoView());
  };

  // New lines of a build still shown as queued mean it is being prepared or has started: read its
  // state again now rather than at the next poll, so "Running" shows as its output does.
  const queued = view?.status === 'queued';
  useEffect(() => {
    if (queued && log.version > 0) refresh();
  }, [queued, log.version]);

  // The log ends when the build does: read the build once more so its state shows at once.
  // (Only log.done triggers it; refresh and live are read as they are then.)
  useEffect(() => {
    if (log.done && live) refresh();
  }, [log.done]);

  const jobName = view?.history.job_name;
  useEffect(() => {
    document.title = `#${buildNo} ${isolated(jobName ?? '')} · Kiln`;
  }, [buildNo, jobName]);

  const announcement = useStatusAnnouncement(buildNo, view?.status);

  const r = view?.record;
  const d = view?.detail;
  const params = Object.entries(view?.history.parameters ?? {});
  return (
    <main className="page build-page">
      <nav className="breadcrumbs" aria-label="Breadcrumbs">
        <Link href="/">Projects</Link> <span aria-hidden="true">/</span>{' '}
        <Link href={`/jobs/${jobId}`}>
          <bdi>{jobName ?? 'Job'}</bdi>
        </Link>{' '}
        <span aria-hidden="true">/</span> <span>#{buildNo}</span>
      </nav>
      <header className="page-header">
        <h1>
          Build #{buildNo}{' '}
          {view ? <StatusBadge status={view.status} /> : !missing && <Spinner label="Loading build…" />}
        </h1>
        {!missing && (
          <BuildActions
            client={client}
            jobId={jobId}
            buildNo={buildNo}
            view={view}
            mayRun={info.data?.result.is_execute === true}
            onStopped={refresh}
          />
        )}
      </header>
      <p className="visually-hidden" role="status" data-testid="build-announcement">
        {announcement}
      </p>
      <ErrorMessage error={error} title="The build could not be loaded." />
      {d?.parent_record_id && <FlowParent client={client} parentRecordId={d.parent_record_id} />}
      {r && d && (
        <dl className="summary">
          <div>
            <dt>Daily number</dt>
            <dd>{r.daily_build_number}</dd>
          </div>
          <div>
            <dt>Trigger</dt>
            <dd>
              <span title={triggerMeaning(r.trigger_type)}>{r.trigger_type}</span> by {r.executor}
            </dd>
          </div>
          <div>
            <dt>{r.build_type === 'tag' ? 'Tag' : 'Branch'}</dt>
            <dd>{r.code_branch || '–'}</dd>
          </div>
          <div>
            <dt>Commit</dt>
            <dd>
              {r.commit_id === '' ? (
                '–'
              ) : r.commit_detail_url ? (
                <a href={r.commit_detail_url} target="_blank" rel="noreferrer">
                  <code>{shortCommit(r.commit_id)}</code>
                </a>
              ) : (
                <code title={r.commit_id}>{shortCommit(r.commit_id)}</code>
              )}{' '}
              {d.commit_message && <bdi className="muted">{d.commit_message}</bdi>}
            </dd>
          </div>
          <div>
            <dt>Definition</dt>
            <dd>{d.build_config_type === 'YAML' ? 'build.yml in the repository' : 'steps of the job'}</dd>
          </div>
          <div>
            <dt>Triggered</dt>
            <dd>{formatLocalTime(r.start_time)}</dd>
          </div>
          <div>
            <dt>Runner</dt>
            <dd data-testid="build-runner">
              {view.runner.ran ? (
                <>
                  {view.runner.name || 'a runner no longer registered'}{' '}
                  <span className="muted">
                    {[
                      view.runner.kind === 'server' ? "the server's own" : 'remote',
                      view.runner.arch,
                      view.runner.pool && `pool ${view.runner.pool}`,
                    ]
                      .filter(Boolean)
                      .join(', ')}
                  </span>
                </>
              ) : view.status === 'queued' ? (
                'none yet'
              ) : isFlow ? (
                "none: a BuildFlow's jobs run as builds of their own (its build.yml was read on the runner its log names)"
              ) : (
                'none: it never ran on one'
              )}
            </dd>
          </div>
          <div>
            <dt>Duration</dt>
            <dd>
              {view.status === 'queued' ? 'waiting for a runner' : formatDuration(r.build_time + sinceRead)}
              {live && view.status !== 'queued' && ' so far'}
            </dd>
          </div>
          {d.err_msg && (
            <div className="wide">
              <dt>Reason</dt>
              <dd>{d.err_msg}</dd>
            </div>
          )}
        </dl>
      )}
      {view && (
        <BuildFlow
          client={client}
          jobId={jobId}
          recordId={view.detail.id}
          mayBeFlow={
            view.detail.build_config_type === 'YAML' &&
            view.detail.parent_record_id === '' &&
            stepsKnown &&
            !hasSteps
          }
          finished={!live}
          buildReadAt={view.readAt}
          onFlow={setIsFlow}
        />
      )}
      <div className="build-columns">
        <section aria-labelledby="stages-title">
          <h2 id="stages-title">Stages</h2>
          <ErrorMessage error={stagesError} title="The stages could not be read." />
          {stages ? (
            <StagesList
              stages={stages.list}
              runningFor={stagesSinceRead}
              selected={stageKey}
              onSelect={selectStage}
            />
          ) : (
            !stagesError && !missing && <Spinner />
          )}
          <h2 id="params-title">Parameters</h2>
          {view && params.length === 0 && <p className="muted">None.</p>}
          {params.length > 0 && (
            <table className="params" aria-labelledby="params-title">
              <tbody>
                {params.map(([name, value]) => (
                  <tr key={name}>
                    <th scope="row">{name}</th>
                    <td>
                      <code>{value}</code>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </section>
        <section aria-labelledby="log-title" className="log-section">
          {stage && recordId && stages ? (
            <StageLog
              client={client}
              jobId={jobId}
              buildNo={buildNo}
              stage={stage}
              stagesReadAt={stages.readAt}
              onClose={() => selectStage('')}
            />
          ) : (
            <>
              <h2 id="log-title">
                Log{' '}
                {!log.done && !missing && !log.missing && (
                  <Spinner label={live ? 'Following…' : 'Reading…'} />
                )}
              </h2>
              {/* A build that is not there has no log either: its own error above says so. */}
              <ErrorMessage
                error={missing ? undefined : log.error}
                title={log.missing ? 'The log could not be read.' : 'The log could not be read; retrying.'}
              />
              {missing ? (
                <p className="muted">No log: there is no such build.</p>
              ) : (
                <LogView
                  buffer={log.buffer}
                  version={log.version}
                  live={!log.done && !log.missing}
                  skipped={log.skipped}
                  onLoadEarlier={log.loadEarlier}
                  {...(recordId && {
                    onDownload: () =>
                      downloadBuildLog(client, recordId, `${view?.history.job_name || jobId}-${buildNo}.log`),
                  })}
                  steps={steps}
                  sectionInfo={(step) => {
                    const s = stages?.list.find((x) => x.execution_stage_name === `stage${step}`);
                    if (!s) return undefined;
                    const running = isStageActive(s.status);
                    return {
                      ...stageStatus(s.status),
                      time:
                        s.start_time === '' && !running
                          ? ''
                          : formatDuration(s.duration + (running ? stagesSinceRead : 0)),
                    };
                  }}
                />
              )}
            </>
          )}
        </section>
      </div>
      {view && <BuildTests client={client} jobId={jobId} buildNo={buildNo} finished={!live} />}
      {view && (
        <BuildArtifacts
          client={client}
          jobId={jobId}
          buildNo={buildNo}
          finished={!live}
          buildReadAt={view.readAt}
        />
      )}
      {view && (
        <BuildScript
          client={client}
          recordId={view.detail.id}
          codeBased={view.detail.build_config_type === 'YAML'}
          commit={view.record.commit_id}
          finished={!live}
          buildReadAt={view.readAt}
        />
      )}
    </main>
  );
}

/**
 * What a screen reader is told when the build's state changes while the page is open ("Build #3:
 * Failed"): the badge in the heading is not a live region, and neither is the log (too chatty).
 * The state the page opens with is not announced: the heading says it.
 */
function useStatusAnnouncement(buildNo: number, status: BuildStatus | undefined): string {
  const seen = useRef<BuildStatus | undefined>(undefined);
  const [message, setMessage] = useState('');
  useEffect(() => {
    if (!status) return;
    if (seen.current && seen.current !== status) setMessage(`Build #${buildNo}: ${statusLabel(status)}`);
    seen.current = status;
  }, [buildNo, status]);
  return message;
}
