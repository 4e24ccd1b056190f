import type { Kiln } from '../../../src/client/kiln-client.ts';
import type { FieldErrors } from '../api/errors.ts';
import { Field } from '../components/field.tsx';
import { newKey, type CronForm, type TriggerSource } from './form-model.ts';
import { WebhookInfo } from './webhook-info.tsx';

/** Everything the server said about the trigger that came from `source`. */
export function triggerError(
  errors: FieldErrors,
  sources: TriggerSource[],
  match: (s: TriggerSource) => boolean,
) {
  const found: string[] = [];
  sources.forEach((s, i) => {
    if (!match(s)) return;
    const at = `triggers[${i}]`;
    for (const [k, v] of Object.entries(errors.fields)) if (k === at || k.startsWith(`${at}.`)) found.push(v);
  });
  return found.length > 0 ? found.join('; ') : undefined;
}

/** Schedules (cron) and the push trigger, with the webhook to set up for it. */
export function TriggersEditor({
  client,
  jobId,
  crons,
  push,
  pushBranches,
  onChange,
  errors,
  sources,
}: {
  client: Kiln;
  jobId: string | undefined;
  crons: CronForm[];
  push: boolean;
  pushBranches: string;
  onChange: (change: { crons?: CronForm[]; push?: boolean; pushBranches?: string }) => void;
  errors: FieldErrors;
  sources: TriggerSource[];
}) {
  return (
    <fieldset className="triggers-editor">
      <legend>Triggers</legend>
      <h2 className="subheading">Schedules (Scheduled builds)</h2>
      <p className="hint">
        Cron expressions (minute hour day month weekday), in the server's time zone; e.g.{' '}
        <code>0 2 * * *</code> runs at 02:00 every day.
      </p>
      {crons.map((c, i) => (
        <div key={c.key} className="row">
          <Field
            label={`Schedule ${i + 1}`}
            error={triggerError(errors, sources, (s) => s.kind === 'cron' && s.key === c.key)}
          >
            {(props) => (
              <input
                {...props}
                value={c.cron}
                spellCheck={false}
                onChange={(e) =>
                  onChange({
                    crons: crons.map((x) => (x.key === c.key ? { ...x, cron: e.target.value } : x)),
                  })
                }
              />
            )}
          </Field>
          <button
            type="button"
            className="danger"
            onClick={() => onChange({ crons: crons.filter((x) => x.key !== c.key) })}
            aria-label={`Remove schedule ${i + 1}`}
          >
            Remove
          </button>
        </div>
      ))}
      <button
        type="button"
        onClick={() => onChange({ crons: [...crons, { key: newKey(), cron: '0 2 * * *' }] })}
      >
        Add schedule
      </button>
      <h2 className="subheading">Push to the repository (CodeUpdate builds)</h2>
      <label className="checkbox">
        <input type="checkbox" checked={push} onChange={(e) => onChange({ push: e.target.checked })} /> Build
        when commits are pushed
      </label>
      {push && (
        <>
          <Field
            label="Branches"
            hint="Comma-separated; * matches within a path segment, ** across. Empty: the repository's branch."
            error={triggerError(errors, sources, (s) => s.kind === 'push')}
          >
            {(props) => (
              <input
                {...props}
                value={pushBranches}
                onChange={(e) => onChange({ pushBranches: e.target.value })}
                placeholder="main, release/*"
              />
            )}
          </Field>
          {jobId ? (
            <WebhookInfo client={client} jobId={jobId} />
          ) : (
            <p className="hint">The webhook URL and secret appear here once the job is saved.</p>
          )}
        </>
      )}
    </fieldset>
  );
}
