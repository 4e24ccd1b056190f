import type { ReactNode } from 'react';
import type { JobConfig } from '../../../src/domain/job-document.ts';
import { toJobSpec } from '../../../src/domain/job-config.ts';
import {
  BUILD_YAML_PATH_PARAMETER,
  DEFAULT_BUILD_YAML_PATH,
  type ParameterSpec,
} from '../../../src/domain/job-parameters.ts';
import { maskUrlCredentials } from '../../../src/domain/url-credentials.ts';
import type { ResponseOf } from '../../../src/contract/operation-types.ts';
import { formatCountOf, formatLocalTime } from '../lib/format.ts';
import { knownServerTimeZone } from '../lib/server-time.ts';
import { Link } from '../router/router.tsx';

/** When the job's timers build next (Kiln's ListJobSchedules). */
type Schedules = ResponseOf<'listJobSchedules'>['result'];

/**
 * A job's setup at a glance, read-only: how its build is defined, its repository and branch, what
 * starts it, its parameters and its timeout. Read from the job's document as the API gives it to
 * the person (ListJobConfig): sensitive defaults come masked for everyone, so they show masked.
 * The repository URL's credentials are masked here even for an editor, whom the API gives them
 * (the edit form needs them back): a summary anyone may glance at over a shoulder has no use for
 * a token. The edit link is for those who may change the job (`mayEdit`: its is_modify). Each
 * schedule says when it builds next once `schedules` has come (ListJobSchedules).
 */
export function JobSetup({
  jobId,
  doc,
  mayEdit,
  schedules,
}: {
  jobId: string;
  doc: JobConfig;
  mayEdit: boolean;
  schedules: Schedules | undefined;
}) {
  const spec = toJobSpec(doc);
  const yaml = spec.configType === 'YAML';
  // A code-based job's CB_BUILD_YAML_PATH is where its build.yml is (as the edit form shows it).
  const yamlPath = yaml ? spec.parameters.find((p) => p.name === BUILD_YAML_PATH_PARAMETER) : undefined;
  const parameters = spec.parameters.filter((p) => p !== yamlPath);
  return (
    <section aria-labelledby="setup-title" className="job-setup">
      <div className="section-header">
        <h2 id="setup-title">Setup</h2>
        {mayEdit && (
          <Link className="button" href={`/jobs/${jobId}/edit`}>
            Edit setup
          </Link>
        )}
      </div>
      <dl className="summary" data-testid="job-setup">
        <Item term="Build">
          {yaml ? (
            <>
              Code-based: <code>{yamlPath?.defaultValue || DEFAULT_BUILD_YAML_PATH}</code> in the repository
            </>
          ) : (
            `Graphical: ${formatCountOf(spec.steps.length, 'step')}`
          )}
        </Item>
        <Item term="Repository">{spec.scm ? <code>{maskUrlCredentials(spec.scm.url)}</code> : 'None'}</Item>
        {spec.scm && (
          <Item term="Branch">
            {spec.scm.branch === '' ? "The repository's default" : <bdi>{spec.scm.branch}</bdi>}
          </Item>
        )}
        <Item term="Timeout">
          {formatTimeout(spec.timeoutMs)}
          {(doc.timeout?.limit ?? '') === '' && ' (the default)'}
        </Item>
        <Item term="Triggers" wide>
          <Triggers timers={spec.timers} pushBranches={spec.pushBranches} schedules={schedules} />
        </Item>
        <Item term="Parameters" wide>
          <Parameters parameters={parameters} />
        </Item>
      </dl>
    </section>
  );
}

function Item({ term, wide = false, children }: { term: string; wide?: boolean; children: ReactNode }) {
  return (
    <div className={wide ? 'wide' : undefined}>
      <dt>{term}</dt>
      <dd>{children}</dd>
    </div>
  );
}

/**
 * The schedules, each in its zone in words as the job form says it (a CodeArts timer may have a
 * zone of its own) and when it builds next in the viewer's zone, and the push trigger's branches.
 */
function Triggers({
  timers,
  pushBranches,
  schedules,
}: {
  timers: { cron: string; timeZone?: string }[];
  pushBranches: string[] | undefined;
  schedules: Schedules | undefined;
}) {
  if (timers.length === 0 && pushBranches === undefined)
    return <>None: builds start only when someone runs the job.</>;
  const serverZone = knownServerTimeZone();
  return (
    <ul className="setup-list">
      {timers.map((t, i) => (
        <li key={i}>
          Schedule <code>{t.cron}</code>,{' '}
          {t.timeZone !== undefined
            ? `in ${t.timeZone}`
            : `in the server's time zone${serverZone ? ` (${serverZone})` : ''}`}
          <NextDue schedules={schedules} index={i} cron={t.cron} />
        </li>
      ))}
      {pushBranches !== undefined && (
        <li>
          Push to the repository, on{' '}
          {pushBranches.map((b, i) => (
            <span key={i}>
              {i > 0 && ', '}
              {b === '' ? "the repository's default branch" : <code>{b}</code>}
            </span>
          ))}
        </li>
      )}
    </ul>
  );
}

/**
 * `, next: <time>` of the document's `index`-th timer, in the viewer's zone; nothing before the
 * answer has come, or when it is of another version of the document (its cron differs).
 */
function NextDue({
  schedules,
  index,
  cron,
}: {
  schedules: Schedules | undefined;
  index: number;
  cron: string;
}) {
  const timer = schedules?.schedules[index];
  if (!schedules || timer?.cron !== cron) return null;
  if (timer.next_due_at === null)
    return (
      <span className="muted">
        {schedules.disabled ? ', not while the job is disabled' : ', never again'}
      </span>
    );
  return (
    <>
      , next:{' '}
      <time dateTime={new Date(timer.next_due_at).toISOString()}>{formatLocalTime(timer.next_due_at)}</time>
    </>
  );
}

/** Each parameter: name, default (masked by the API when sensitive), and its choices. */
function Parameters({ parameters }: { parameters: ParameterSpec[] }) {
  if (parameters.length === 0) return <>None</>;
  return (
    <ul className="setup-list">
      {parameters.map((p, i) => (
        <li key={i}>
          <code>{p.name}</code> ={' '}
          {p.defaultValue === '' ? (
            <span className="muted">no default</span>
          ) : (
            <code>
              <bdi>{p.defaultValue}</bdi>
            </code>
          )}
          {p.sensitive && <span className="muted"> (sensitive)</span>}
          {p.choices.length > 0 && (
            <span className="muted">
              {' '}
              · one of <bdi>{p.choices.join(', ')}</bdi>
            </span>
          )}
        </li>
      ))}
    </ul>
  );
}

/** `30 minutes`, `1 hour`, `90 seconds`: a timeout in its largest whole unit. */
function formatTimeout(ms: number): string {
  if (ms % 3_600_000 === 0) return formatCountOf(ms / 3_600_000, 'hour');
  if (ms % 60_000 === 0) return formatCountOf(ms / 60_000, 'minute');
  return formatCountOf(Math.round(ms / 1000), 'second');
}
