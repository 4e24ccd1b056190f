import type { FieldErrors } from '../api/errors.ts';
import { Field } from '../components/field.tsx';
import { actionOfModule } from '../../../src/domain/actions.ts';
import { move, newStep, SHELL_MODULE, type StepForm } from './form-model.ts';

/**
 * What a step module is, in words: Kiln's shell step, a CodeArts module Kiln runs (with its
 * default command, if any), or one it keeps but cannot run here.
 */
function moduleOf(moduleId: string): {
  label: string;
  takesCommand: boolean;
  note: string;
  defaultCommand?: string | undefined;
} {
  const action = actionOfModule(moduleId);
  if (moduleId === SHELL_MODULE) return { label: '', takesCommand: true, note: '' };
  if (!action)
    return {
      label: `Module ${moduleId}`,
      takesCommand: false,
      note: 'Kiln does not know this module: it is kept as it is, and a build fails naming it.',
    };
  const label = `${action.displayName} (CodeArts module ${moduleId})`;
  if (action.run === 'command')
    return {
      label,
      takesCommand: true,
      note: action.tool ? `Runs on a runner that has ${action.tool}.` : '',
      defaultCommand: action.defaultCommand,
    };
  return {
    label,
    takesCommand: false,
    note:
      action.run === 'checkout'
        ? 'Checks out a repository; its settings are kept as they are (edit them through the API).'
        : `${action.unavailable ?? 'Not available here'}; the step is kept as it is.`,
  };
}

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

/** Steps (new ones are shell steps; CodeArts module steps are shown and kept): add, remove, reorder (buttons, so it works from the keyboard), edit. */
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
        Each new step is a shell script, run with bash -e in the checked-out workspace, in this order.
      </p>
      {errors.fields.steps && <p className="field-error">{errors.fields.steps}</p>}
      <ol>
        {steps.map((s, i) => {
          const e = stepErrors(errors, i);
          const m = moduleOf(s.moduleId);
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
                    aria-label={`Step ${i + 1} enabled`}
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
              {m.label && (
                <p className="step-module" data-module={s.moduleId}>
                  <strong>{m.label}</strong> {m.note && <span className="hint">{m.note}</span>}
                </p>
              )}
              {m.takesCommand ? (
                <Field
                  label={`Step ${i + 1} command`}
                  error={e.command}
                  hint={m.defaultCommand !== undefined ? `Empty: ${m.defaultCommand}` : undefined}
                >
                  {(props) => (
                    <textarea
                      {...props}
                      className="code"
                      rows={Math.min(12, Math.max(3, s.command.split('\n').length + 1))}
                      spellCheck={false}
                      placeholder={m.defaultCommand}
                      value={s.command}
                      onChange={(ev) => update(i, { command: ev.target.value })}
                    />
                  )}
                </Field>
              ) : (
                e.command && <p className="field-error">{e.command}</p>
              )}
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
