import type { FieldErrors } from '../api/errors.ts';
import { Field } from '../components/field.tsx';
import { BUILD_YAML_PATH_PARAMETER, DEFAULT_BUILD_YAML_PATH } from '../../../src/domain/job-parameters.ts';
import type { BuildDefinition, JobForm } from './form-model.ts';

const CHOICES: { value: BuildDefinition; label: string; hint: string }[] = [
  { value: 'ACTION', label: 'Steps in the job', hint: 'the steps below, kept with the job' },
  {
    value: 'YAML',
    label: 'build.yml in the repository',
    hint: 'read from the commit each build checks out (code-based)',
  },
];

/**
 * Where the build is defined (`build_config_type`): the job's steps, or the repository's
 * build.yml, whose path other than the default is the CB_BUILD_YAML_PATH parameter.
 */
export function DefinitionFields({
  form,
  yamlPathIndex,
  onDefinition,
  onYamlPath,
  errors,
}: {
  form: JobForm;
  /** Where the path's parameter is sent in `parameters[]` (to show the server's errors about it). */
  yamlPathIndex: number;
  onDefinition: (definition: BuildDefinition) => void;
  onYamlPath: (path: string) => void;
  errors: FieldErrors;
}) {
  const at = `parameters[${yamlPathIndex}]`;
  const pathError = Object.entries(errors.fields)
    .filter(([k]) => k === at || k.startsWith(`${at}.`))
    .map(([, v]) => v)
    .join('; ');
  return (
    <fieldset className="definition">
      <legend>Build definition</legend>
      {errors.fields.build_config_type && <p className="field-error">{errors.fields.build_config_type}</p>}
      <div role="radiogroup" aria-label="Where the build is defined">
        {CHOICES.map((c) => (
          <label key={c.value} className="radio">
            <input
              type="radio"
              name="build-definition"
              value={c.value}
              checked={form.definition === c.value}
              onChange={() => onDefinition(c.value)}
            />{' '}
            {c.label} <span className="hint">({c.hint})</span>
          </label>
        ))}
      </div>
      {form.definition === 'YAML' && (
        <Field
          label="build.yml path"
          hint={
            <>
              In the repository. Empty: <code>{DEFAULT_BUILD_YAML_PATH}</code>. Saved as the job&apos;s{' '}
              <code>{BUILD_YAML_PATH_PARAMETER}</code> parameter, so a run can name another file. The
              repository above is required.
            </>
          }
          error={pathError || undefined}
        >
          {(props) => (
            <input
              {...props}
              value={form.yamlPath}
              spellCheck={false}
              placeholder={DEFAULT_BUILD_YAML_PATH}
              onChange={(ev) => onYamlPath(ev.target.value)}
            />
          )}
        </Field>
      )}
    </fieldset>
  );
}
