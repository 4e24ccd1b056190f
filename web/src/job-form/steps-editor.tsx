import type { FieldErrors } from '../api/errors.ts';
import { Field } from '../components/field.tsx';
import { move, newStep, type StepForm } from './form-model.ts';

/** The step's errors: name, command, and anything else said about `steps[i]`. */
function stepErrors(errors: FieldErrors, i: number) {
  const at = `steps[${i}]`;
  const other = Object.entries(errors.fields)
    .filter(
      ([k]) => (k === at || k.startsWith(`${at}.`)) && k !== `${at}.name` && k !== `${at}.properties.command`,
    )
    .map(([, v]) => v);
  return { name: errors.fields[`${at}.name`], command: errors.fields[`${at}.properties.command`], other };
}

/** Shell steps: add, remove, reorder (buttons, so it works from the keyboard), edit. */
export function StepsEditor({
  steps,
  onChange,
  errors,
}: {
  steps: StepForm[];
  onChange: (steps: StepForm[]) => void;
  errors: FieldErrors;
}) {
  const update = (i: number, change: Partial<StepForm>) =>
    onChange(steps.map((s, j) => (j === i ? { ...s, ...change } : s)));
  return (
    <fieldset className="steps-editor">
      <legend>Steps</legend>
      <p className="hint">
        Each step is a shell script, run with bash -e in the checked-out workspace, in this order.
      </p>
      {errors.fields.steps && <p className="field-error">{errors.fields.steps}</p>}
      <ol>
        {steps.map((s, i) => {
          const e = stepErrors(errors, i);
          return (
            <li key={s.key} className="step-editor" aria-label={`Step ${i + 1}`}>
              <div className="step-head">
                <Field label={`Step ${i + 1} name`} error={e.name}>
                  {(props) => (
                    <input
                      {...props}
                      value={s.name}
                      onChange={(ev) => update(i, { name: ev.target.value })}
                    />
                  )}
                </Field>
                <label className="checkbox">
                  <input
                    type="checkbox"
                    checked={s.enabled}
                    onChange={(ev) => update(i, { enabled: ev.target.checked })}
                  />{' '}
                  Enabled
                </label>
                <div className="step-buttons">
                  <button
                    type="button"
                    onClick={() => onChange(move(steps, i, -1))}
                    disabled={i === 0}
                    aria-label={`Move step ${i + 1} up`}
                  >
                    ↑
                  </button>
                  <button
                    type="button"
                    onClick={() => onChange(move(steps, i, 1))}
                    disabled={i === steps.length - 1}
                    aria-label={`Move step ${i + 1} down`}
                  >
                    ↓
                  </button>
                  <button
                    type="button"
                    className="danger"
                    onClick={() => onChange(steps.filter((_, j) => j !== i))}
                    aria-label={`Remove step ${i + 1}`}
                  >
                    Remove
                  </button>
                </div>
              </div>
              <Field label={`Step ${i + 1} command`} error={e.command}>
                {(props) => (
                  <textarea
                    {...props}
                    className="code"
                    rows={Math.min(12, Math.max(3, s.command.split('\n').length + 1))}
                    spellCheck={false}
                    value={s.command}
                    onChange={(ev) => update(i, { command: ev.target.value })}
                  />
                )}
              </Field>
              {e.other.length > 0 && <p className="field-error">{e.other.join('; ')}</p>}
            </li>
          );
        })}
      </ol>
      <button type="button" onClick={() => onChange([...steps, newStep(steps.length + 1)])}>
        Add step
      </button>
    </fieldset>
  );
}
