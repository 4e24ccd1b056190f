import { useEffect, useRef, useState, type FormEvent } from 'react';
import type { Kiln } from '../../../src/client/kiln-client.ts';
import type { JobConfigBody } from '../../../src/contract/jobs.ts';
import { fieldErrorsOf, type FieldErrors } from '../api/errors.ts';
import { Field } from '../components/field.tsx';
import { BRANCH_PARAMETER, parameterSpec } from '../../../src/domain/job-parameters.ts';
import { navigate } from '../router/router.tsx';
import { runParameters } from './run-parameters.ts';

/** Where a run's code comes from. */
type Source = 'branch' | 'tag' | 'commit';

/**
 * Starts a build: the job's parameters (prefilled with their defaults; a sensitive one is left
 * empty, which keeps its stored default), and what to build: a branch, a tag or a commit. The form
 * takes focus when it opens (the Run… button that opened it is disabled meanwhile, which would
 * leave the focus nowhere); Escape closes it, as Cancel does.
 */
export function RunForm({
  client,
  jobId,
  config,
  onClose,
}: {
  client: Kiln;
  jobId: string;
  config: JobConfigBody;
  onClose: () => void;
}) {
  const params = (config.parameters ?? []).map(parameterSpec);
  const [values, setValues] = useState<Record<string, string>>(() =>
    Object.fromEntries(params.map((p) => [p.name, p.sensitive ? '' : p.defaultValue])),
  );
  const defaultBranch = config.scms?.[0]?.branch ?? '';
  const [source, setSource] = useState<Source>('branch');
  const [ref, setRef] = useState(defaultBranch);
  const [busy, setBusy] = useState(false);
  const [errors, setErrors] = useState<FieldErrors>({ fields: {}, general: [] });
  const hasRepo = (config.scms?.length ?? 0) > 0;
  const title = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    title.current?.focus();
  }, []);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setErrors({ fields: {}, general: [] });
    const wanted = ref.trim();
    const branch =
      hasRepo && source === 'branch' && wanted !== '' && wanted !== defaultBranch ? wanted : undefined;
    const parameter = runParameters(params, values, branch);
    try {
      const res = await client.runJob({
        body: {
          job_id: jobId,
          parameter,
          ...(hasRepo && source === 'tag' && { scm: { build_tag: wanted } }),
          ...(hasRepo && source === 'commit' && { scm: { build_commit_id: wanted } }),
        },
      });
      navigate(`/jobs/${jobId}/builds/${res.actual_build_number}`);
    } catch (error) {
      setErrors(fieldErrorsOf(error));
      setBusy(false);
    }
  };

  // The request lists parameters in the order of `params`, sensitive empty ones left out.
  const sent = params.filter((p) => !(p.sensitive && values[p.name] === ''));
  const paramKeys = (name: string) => {
    const i = sent.findIndex((p) => p.name === name);
    return [`parameter[${i}].value`, `parameter[${i}].name`];
  };
  const paramError = (name: string) =>
    paramKeys(name)
      .map((k) => errors.fields[k])
      .find(Boolean);
  const refKey =
    source === 'tag' ? 'scm.build_tag' : source === 'commit' ? 'scm.build_commit_id' : BRANCH_PARAMETER;
  const refError = errors.fields[refKey];
  // Problems that no field on the form shows are listed under the form.
  const shown = new Set([refKey, ...params.flatMap((p) => paramKeys(p.name))]);
  const other = [
    ...errors.general,
    ...Object.entries(errors.fields)
      .filter(([k]) => !shown.has(k))
      .map(([k, v]) => `${k}: ${v}`),
  ];

  return (
    <form
      className="panel run-form"
      onSubmit={submit}
      aria-labelledby="run-title"
      onKeyDown={(e) => {
        if (e.key === 'Escape' && !busy) onClose();
      }}
    >
      <h2 id="run-title" tabIndex={-1} ref={title}>
        Run this job
      </h2>
      {params.length === 0 && <p className="muted">This job has no parameters.</p>}
      {params.map((p) => (
        <Field
          key={p.name}
          label={p.name}
          hint={
            p.sensitive ? 'Sensitive: leave empty to use the stored default.' : p.description || undefined
          }
          error={paramError(p.name)}
        >
          {(props) =>
            p.choices.length > 0 ? (
              <select
                {...props}
                value={values[p.name] ?? ''}
                onChange={(e) => setValues({ ...values, [p.name]: e.target.value })}
              >
                {p.choices.map((c) => (
                  <option key={c}>{c}</option>
                ))}
              </select>
            ) : (
              <input
                {...props}
                type={p.sensitive ? 'password' : 'text'}
                autoComplete="off"
                value={values[p.name] ?? ''}
                onChange={(e) => setValues({ ...values, [p.name]: e.target.value })}
              />
            )
          }
        </Field>
      ))}
      {hasRepo && (
        <fieldset className="source">
          <legend>What to build</legend>
          {(['branch', 'tag', 'commit'] as const).map((s) => (
            <label key={s} className="radio">
              <input
                type="radio"
                name="source"
                value={s}
                checked={source === s}
                onChange={() => {
                  setSource(s);
                  setRef(s === 'branch' ? defaultBranch : '');
                }}
              />{' '}
              {s === 'branch' ? 'Branch' : s === 'tag' ? 'Tag' : 'Commit'}
            </label>
          ))}
          <Field
            label={source === 'branch' ? 'Branch' : source === 'tag' ? 'Tag' : 'Commit id'}
            error={refError}
          >
            {(props) => (
              <input
                {...props}
                value={ref}
                onChange={(e) => setRef(e.target.value)}
                required={source !== 'branch'}
                placeholder={source === 'commit' ? 'e.g. 769f71e2' : undefined}
              />
            )}
          </Field>
        </fieldset>
      )}
      {other.length > 0 && (
        <div className="error-message" role="alert">
          {other.join(' ')}
        </div>
      )}
      <div className="actions">
        <button type="submit" className="primary" disabled={busy}>
          {busy ? 'Starting…' : 'Start build'}
        </button>
        <button type="button" onClick={onClose} disabled={busy}>
          Cancel
        </button>
      </div>
    </form>
  );
}
