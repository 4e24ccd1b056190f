import type { FieldErrors } from '../api/errors.ts';
import { Field } from '../components/field.tsx';
import { SCM_TYPES } from '../../../src/domain/scm.ts';
import type { JobForm } from './form-model.ts';

/** What a clone URL may be (docs/jobs.md, scms[].url). */
const FETCHABLE =
  "Anything git can fetch: https, ssh or git; a path or file:// only in a directory the runner's KILN_LOCAL_REPOSITORIES names.";

/** The repository to check out before the steps run (scms[0]). */
export function RepositoryFields({
  repo,
  onChange,
  errors,
  required = false,
}: {
  repo: JobForm['repo'];
  onChange: (repo: JobForm['repo']) => void;
  errors: FieldErrors;
  /** A code-based job reads its build.yml from the repository, so it must have one. */
  required?: boolean;
}) {
  const e = (k: string) => errors.fields[`scms[0].${k}`];
  return (
    <fieldset className="repository">
      <legend>Repository</legend>
      {errors.fields['scms[0]'] && <p className="field-error">{errors.fields['scms[0]']}</p>}
      <Field
        label="Clone URL"
        hint={
          required
            ? `Required: the build.yml is read from it. ${FETCHABLE}`
            : `${FETCHABLE} Leave empty for a job without a repository.`
        }
        // `scms` is where the server says a code-based job lacks a repository.
        error={e('url') ?? errors.fields.scms}
      >
        {(props) => (
          <input
            {...props}
            required={required}
            value={repo.url}
            spellCheck={false}
            inputMode="url"
            onChange={(ev) => onChange({ ...repo, url: ev.target.value })}
          />
        )}
      </Field>
      <div className="row fields-row">
        <Field label="Type" error={e('scm_type')}>
          {(props) => (
            <select
              {...props}
              value={repo.scmType}
              onChange={(ev) => onChange({ ...repo, scmType: ev.target.value })}
            >
              {[...new Set([...SCM_TYPES, repo.scmType])].map((t) => (
                <option key={t} value={t}>
                  {t}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field label="Branch" error={e('branch')}>
          {(props) => (
            <input
              {...props}
              value={repo.branch}
              spellCheck={false}
              onChange={(ev) => onChange({ ...repo, branch: ev.target.value })}
            />
          )}
        </Field>
      </div>
      <Field
        label="Web URL"
        hint="The repository's web page; commits in the history link to it."
        error={e('web_url')}
      >
        {(props) => (
          <input
            {...props}
            value={repo.webUrl}
            inputMode="url"
            onChange={(ev) => onChange({ ...repo, webUrl: ev.target.value })}
          />
        )}
      </Field>
    </fieldset>
  );
}
