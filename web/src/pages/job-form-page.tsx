import { useEffect, useRef, useState, type FormEvent } from 'react';
import type { JobConfigBody } from '../../../src/contract/jobs.ts';
import { fieldErrorsOf, type FieldErrors } from '../api/errors.ts';
import { useSignedIn } from '../app/session-context.tsx';
import { ErrorMessage } from '../components/error-message.tsx';
import { Field } from '../components/field.tsx';
import { Spinner } from '../components/spinner.tsx';
import {
  docFromForm,
  emptyForm,
  formFromDoc,
  TIMEOUT_UNITS,
  withDefinition,
  type JobForm,
  type TriggerSource,
} from '../job-form/form-model.ts';
import { DefinitionFields } from '../job-form/definition-fields.tsx';
import { ParametersEditor } from '../job-form/parameters-editor.tsx';
import { RepositoryFields } from '../job-form/repository-fields.tsx';
import { StepsEditor } from '../job-form/steps-editor.tsx';
import { TriggersEditor } from '../job-form/triggers-editor.tsx';
import { SaveAsTemplate, TemplatePicker, type Picked } from '../job-form/template-picker.tsx';
import { Link, navigate } from '../router/router.tsx';

const NO_ERRORS: FieldErrors = { fields: {}, general: [] };

/**
 * Creates a job in a project (`projectId`) or edits one (`jobId`). The server checks the document;
 * each problem it reports shows next to its field and in a list at the top.
 */
export function JobFormPage({ jobId, projectId }: { jobId?: string; projectId?: string }) {
  const { client } = useSignedIn();
  const [base, setBase] = useState<JobConfigBody>();
  const [form, setForm] = useState<JobForm | undefined>(jobId ? undefined : emptyForm());
  const [loadError, setLoadError] = useState<unknown>();
  const [errors, setErrors] = useState<FieldErrors>(NO_ERRORS);
  const [sources, setSources] = useState<TriggerSource[]>([]);
  const [busy, setBusy] = useState(false);
  const [picked, setPicked] = useState<Picked | undefined>(undefined);
  const summary = useRef<HTMLDivElement>(null);
  /** A template's steps and parameters in the form; the name and repository typed so far stay. */
  const startFrom = (p: Picked | undefined) => {
    setPicked(p);
    setForm((f) => {
      if (!f) return f;
      const from = formFromDoc({
        project_id: projectId ?? '',
        job_name: f.name,
        arch: 'x86-64',
        steps: p?.steps ?? [],
        parameters: p?.parameters ?? [],
      });
      return p
        ? { ...f, steps: from.steps, parameters: from.parameters }
        : { ...emptyForm(), name: f.name, repo: f.repo };
    });
  };

  useEffect(() => {
    document.title = `${jobId ? 'Edit job' : 'New job'} · Kiln`;
    if (!jobId) return;
    client.listJobConfig({ params: { job_id: jobId } }).then((res) => {
      setBase(res.result);
      setForm(formFromDoc(res.result));
    }, setLoadError);
  }, [client, jobId]);

  const change = (c: Partial<JobForm>) => setForm((f) => (f ? { ...f, ...c } : f));

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!form) return;
    const { doc, triggerSources } = docFromForm(form, base, projectId ?? '');
    setSources(triggerSources);
    setBusy(true);
    setErrors(NO_ERRORS);
    try {
      const res = jobId
        ? await client.updateBuildJob({ body: { ...doc, job_id: jobId } })
        : await client.createBuildJob({ body: doc });
      // Which template the job started from (counts for recommendations); its failure loses nothing.
      if (!jobId && picked)
        await client
          .saveTemplateUsedInfo({ body: { job_id: res.result.job_id, template_id: picked.uuid } })
          .catch(() => undefined);
      // A new job's page says it was created (`?created=1`, which that page then drops).
      navigate(`/jobs/${res.result.job_id}${jobId ? '' : '?created=1'}`);
    } catch (error) {
      setErrors(fieldErrorsOf(error));
      setBusy(false);
      requestAnimationFrame(() => summary.current?.focus());
    }
  };

  // The build.yml path is sent as the parameter after the form's own: name it as the form does.
  const yamlPathAt = `parameters[${form?.parameters.length ?? 0}]`;
  const fieldName = (k: string) =>
    form?.definition === 'YAML' && (k === yamlPathAt || k.startsWith(`${yamlPathAt}.`))
      ? 'build.yml path'
      : k;
  // Each field's error with how many fields before it were told the same (focusFieldOf).
  const told = new Map<string, number>();
  const messages: { text: string; fieldError?: string; nth?: number }[] = [
    ...errors.general.map((text) => ({ text })),
    ...Object.entries(errors.fields).map(([k, v]) => {
      const nth = told.get(v) ?? 0;
      told.set(v, nth + 1);
      return { text: `${fieldName(k)}: ${v}`, fieldError: v, nth };
    }),
  ];
  const back = jobId ? `/jobs/${jobId}` : '/';
  return (
    <main className="page job-form-page">
      <nav className="breadcrumbs" aria-label="Breadcrumbs">
        <Link href="/">Projects</Link> <span aria-hidden="true">/</span>{' '}
        {jobId && (
          <>
            <Link href={back}>
              <bdi>{base?.job_name ?? 'Job'}</bdi>
            </Link>{' '}
            <span aria-hidden="true">/</span>{' '}
          </>
        )}
        <span>{jobId ? 'Edit' : 'New job'}</span>
      </nav>
      <h1>
        {jobId ? (
          <>
            Edit <bdi>{base?.job_name ?? 'job'}</bdi>
          </>
        ) : (
          'New job'
        )}
      </h1>
      <ErrorMessage error={loadError} title="The job could not be loaded." />
      {!jobId && <TemplatePicker client={client} onPick={startFrom} />}
      {jobId && base && <SaveAsTemplate client={client} jobId={jobId} />}
      {!form && !loadError && <Spinner label="Loading the job…" />}
      {form && (
        <form className="job-form" onSubmit={submit} noValidate>
          {messages.length > 0 && (
            <div className="error-summary" role="alert" tabIndex={-1} ref={summary}>
              <strong>The job was not saved:</strong>
              <ul>
                {messages.map((m) => (
                  <li key={m.text}>
                    {m.fieldError === undefined ? (
                      m.text
                    ) : (
                      <button
                        type="button"
                        className="link-button"
                        onClick={(e) => focusFieldOf(e.currentTarget.form, m.fieldError ?? '', m.nth ?? 0)}
                      >
                        {m.text}
                      </button>
                    )}
                  </li>
                ))}
              </ul>
            </div>
          )}
          <Field label="Job name" error={errors.fields.job_name}>
            {(props) => (
              <input
                {...props}
                value={form.name}
                onChange={(e) => change({ name: e.target.value })}
                required
              />
            )}
          </Field>
          <RepositoryFields
            repo={form.repo}
            onChange={(repo) => change({ repo })}
            errors={errors}
            required={form.definition === 'YAML'}
          />
          <DefinitionFields
            form={form}
            yamlPathIndex={form.parameters.length}
            onDefinition={(d) => setForm((f) => f && withDefinition(f, d))}
            onYamlPath={(yamlPath) => change({ yamlPath })}
            errors={errors}
          />
          {form.definition === 'ACTION' && (
            <StepsEditor steps={form.steps} onChange={(steps) => change({ steps })} errors={errors} />
          )}
          <ParametersEditor
            parameters={form.parameters}
            onChange={(parameters) => change({ parameters })}
            errors={errors}
          />
          <TriggersEditor
            client={client}
            jobId={jobId}
            crons={form.crons}
            push={form.push}
            pushBranches={form.pushBranches}
            onChange={change}
            errors={errors}
            sources={sources}
          />
          <fieldset className="timeout">
            <legend>Timeout</legend>
            <div className="row fields-row">
              <Field
                label="Stop a build after"
                error={errors.fields['timeout.limit'] ?? errors.fields.timeout}
                hint="Empty: one hour."
              >
                {(props) => (
                  <input
                    {...props}
                    inputMode="numeric"
                    value={form.timeoutLimit}
                    onChange={(e) => change({ timeoutLimit: e.target.value })}
                  />
                )}
              </Field>
              <Field label="Unit" error={errors.fields['timeout.unit']}>
                {(props) => (
                  <select
                    {...props}
                    value={form.timeoutUnit}
                    onChange={(e) => change({ timeoutUnit: e.target.value })}
                  >
                    {TIMEOUT_UNITS.map((u) => (
                      <option key={u} value={u}>
                        {u.toLowerCase()}
                      </option>
                    ))}
                  </select>
                )}
              </Field>
            </div>
          </fieldset>
          <div className="actions sticky-actions">
            <button type="submit" className="primary" disabled={busy}>
              {busy ? 'Saving…' : jobId ? 'Save changes' : 'Create job'}
            </button>
            <Link className="button" href={back}>
              Cancel
            </Link>
          </div>
        </form>
      )}
    </main>
  );
}

/**
 * Takes a reader from the error summary to the field the error is about: of the field errors that
 * say `error`, the `nth` (two fields may be told the same), and the control it describes (Field
 * ties them with aria-describedby), else the first control beside it, else the message itself.
 */
function focusFieldOf(form: HTMLFormElement | null, error: string, nth: number): void {
  const said = [...(form?.querySelectorAll<HTMLElement>('.field-error') ?? [])].filter((e) =>
    (e.textContent ?? '').includes(error),
  );
  const message = said[nth] ?? said[0];
  if (!form || !message) return;
  const described = message.id
    ? [...form.querySelectorAll<HTMLElement>('[aria-describedby]')].find((c) =>
        (c.getAttribute('aria-describedby') ?? '').split(' ').includes(message.id),
      )
    : undefined;
  const beside = message
    .closest('.field, li, fieldset')
    ?.querySelector<HTMLElement>('input, select, textarea, button');
  const target = described ?? beside ?? message;
  if (target === message) message.tabIndex = -1;
  target.focus();
}
