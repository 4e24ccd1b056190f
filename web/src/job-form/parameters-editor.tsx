import type { FieldErrors } from '../api/errors.ts';
import { Field } from '../components/field.tsx';
import { newParameter, type ParamForm } from './form-model.ts';

/** Build parameters: name, default, sensitive, description. */
export function ParametersEditor({
  parameters,
  onChange,
  errors,
}: {
  parameters: ParamForm[];
  onChange: (parameters: ParamForm[]) => void;
  errors: FieldErrors;
}) {
  const update = (i: number, change: Partial<ParamForm>) =>
    onChange(parameters.map((p, j) => (j === i ? { ...p, ...change } : p)));
  return (
    <fieldset className="parameters-editor">
      <legend>Parameters</legend>
      <p className="hint">
        Steps see each parameter as an environment variable. Sensitive values are masked in logs and build
        details.
      </p>
      {parameters.length === 0 && <p className="muted">No parameters.</p>}
      <ol>
        {parameters.map((p, i) => {
          const at = `parameters[${i}]`;
          // Numbered as the steps' fields are: "Name" alone named every parameter's field alike.
          const n = `Parameter ${i + 1}`;
          return (
            <li key={p.key} className="parameter-editor" aria-label={n}>
              <Field label={`${n} name`} error={errors.fields[`${at}.params.name`] ?? errors.fields[at]}>
                {(props) => (
                  <input
                    {...props}
                    value={p.name}
                    onChange={(e) => update(i, { name: e.target.value })}
                    spellCheck={false}
                  />
                )}
              </Field>
              <Field
                label={`${n} default value`}
                error={errors.fields[`${at}.params.defaultValue`]}
                hint={p.choices.length > 0 ? `One of: ${p.choices.join(', ')}` : undefined}
              >
                {(props) => (
                  <input
                    {...props}
                    type={p.sensitive ? 'password' : 'text'}
                    autoComplete="off"
                    value={p.defaultValue}
                    onChange={(e) => update(i, { defaultValue: e.target.value })}
                  />
                )}
              </Field>
              <Field label={`${n} description`}>
                {(props) => (
                  <input
                    {...props}
                    value={p.description}
                    onChange={(e) => update(i, { description: e.target.value })}
                  />
                )}
              </Field>
              <label className="checkbox">
                <input
                  type="checkbox"
                  checked={p.sensitive}
                  aria-label={`${n} sensitive`}
                  onChange={(e) => update(i, { sensitive: e.target.checked })}
                />{' '}
                Sensitive
              </label>
              <button
                type="button"
                className="danger"
                onClick={() => onChange(parameters.filter((_, j) => j !== i))}
                aria-label={`Remove parameter ${p.name || i + 1}`}
              >
                Remove
              </button>
            </li>
          );
        })}
      </ol>
      <button type="button" onClick={() => onChange([...parameters, newParameter()])}>
        Add parameter
      </button>
    </fieldset>
  );
}
