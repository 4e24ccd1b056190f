import { ignoreFailSetting, type StepSpec } from './step-spec.ts';

/** A `${name}` reference; group 1 is the name. */
export const PARAMETER_REFERENCE = /\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

/**
 * `${name}` references (spec §4.1): replaced by the parameter's value in step names, images and
 * inputs; a name that is no parameter stays as written. Commands are left to the shell, which has
 * every parameter in its environment (so `${HOME}` in a command keeps working).
 */
export function referenceResolver(parameters: ReadonlyMap<string, string>): (text: string) => string {
  return (text) => text.replace(PARAMETER_REFERENCE, (whole, name: string) => parameters.get(name) ?? whole);
}

/** `value` with every string in it (at any depth) resolved. */
export function resolveDeep(value: unknown, resolve: (text: string) => string): unknown {
  if (typeof value === 'string') return resolve(value);
  if (Array.isArray(value)) return value.map((v) => resolveDeep(v, resolve));
  if (value && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolveDeep(v, resolve)]));
  return value;
}

/**
 * A graphical job's steps with the references in their inputs, image and `ignore_fail` resolved
 * (as a build.yml's are), or why a step's `ignore_fail` is neither true nor false once resolved.
 * Names stay as the job says (the record's stages carry them from the start); commands go to the
 * shell as they are.
 */
export function resolveStepInputs(
  steps: readonly StepSpec[],
  parameters: ReadonlyMap<string, string>,
): { steps: StepSpec[] } | { error: string } {
  const resolve = referenceResolver(parameters);
  const resolved: StepSpec[] = [];
  for (const step of steps) {
    const { ignoreFailAsWritten: written, ...rest } = step;
    const out: StepSpec = {
      ...rest,
      ...(step.inputs && { inputs: resolveDeep(step.inputs, resolve) as Record<string, unknown> }),
      ...(step.image !== undefined && { image: resolve(step.image) }),
    };
    if (written !== undefined) {
      const value = resolve(written);
      const flag = ignoreFailSetting(value);
      if (flag === undefined)
        return {
          error: `step "${step.name}": properties.ignore_fail must be true or false (any case), not "${value}"${value === written ? '' : ` (written "${written}")`}`,
        };
      if (flag) out.ignoreFail = true;
    }
    resolved.push(out);
  }
  return { steps: resolved };
}
