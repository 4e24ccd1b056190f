import { ACTIONS } from './actions.ts';
import { BuildYamlError, type BuildYaml, type YamlAction, type YamlResource } from './build-yaml.ts';
import { evaluateCondition } from './condition.ts';
import type { StepSpec } from './job-config.ts';
import { ignoreFailSetting, oneLineName } from './step-spec.ts';
import { PARAMETER_REFERENCE, referenceResolver, resolveDeep } from './parameter-refs.ts';

/**
 * The run-time values a build sets: those the job declares, and those of the names `declared`
 * (its build.yml's, its flow's). Not any variable of the build's environment: GIT_CONFIG_*,
 * MAKEFLAGS, NODE_OPTIONS... would let whoever may only run the job run code in it.
 */
export function settable<T extends { name: string; undeclared?: true }>(
  given: readonly T[],
  declared: readonly string[],
): T[] {
  return given.filter((p) => !p.undeclared || declared.includes(p.name));
}

/**
 * Turns a parsed build.yml into the steps a build runs and the parameters it sees. Precedence
 * (spec §4.2): the build's own parameters (run-time values over the job's defaults) over the
 * file's `params`, over what a BuildFlow passed down (`inherited`: the job's inputs over the flow
 * file's params); the predefined parameters over everything (they say what is being built).
 * `${name}` is replaced in names, images and inputs; commands are left to the shell, which sees
 * every parameter in its environment (so `${HOME}` in a command keeps working).
 */

export interface YamlBuild {
  steps: StepSpec[];
  /** Every parameter of the build, by name: the step environment. */
  parameters: Map<string, string>;
  /** The resource of the first `envs` entry whose condition holds, else of `env` (if any). */
  resource: YamlResource | undefined;
}

export function planYamlBuild(
  file: BuildYaml,
  given: readonly { name: string; value: string; undeclared?: true }[],
  predefined: Readonly<Record<string, string>>,
  path: string,
  inherited: readonly { name: string; value: string }[] = [],
): YamlBuild {
  const parameters = new Map<string, string>();
  for (const p of inherited) parameters.set(p.name, p.value);
  for (const p of file.params) parameters.set(p.name, p.value);
  const declared = [...file.params, ...inherited].map((p) => p.name);
  for (const p of settable(given, declared)) parameters.set(p.name, p.value);
  for (const [name, value] of Object.entries(predefined)) parameters.set(name, value);
  const resolve = referenceResolver(parameters);

  let resource = file.env;
  for (const [i, entry] of file.envs.entries()) {
    let holds: boolean;
    try {
      holds = evaluateCondition(entry.condition, (name) => parameters.get(name));
    } catch (error) {
      throw new BuildYamlError(
        `${path}: envs[${i}] condition "${entry.condition}": ${(error as Error).message}`,
      );
    }
    if (holds) {
      resource = entry.resource;
      break;
    }
  }

  const steps = file.actions.map((a): StepSpec => {
    const kind = ACTIONS[a.keyword];
    const { command, ignore_fail: written, ...rest } = a.inputs;
    const inputs = resolveDeep(rest, resolve) as Record<string, unknown>;
    const name = oneLineName(resolve(a.name ?? '')) || (kind?.displayName ?? a.keyword);
    const ignoreFail = written !== undefined && ignoreFailOf(a, name, written, resolve, path, parameters);
    return {
      name,
      moduleId: a.keyword,
      enabled: true,
      command: typeof command === 'string' ? command : '',
      action: a.keyword,
      ...(a.image && { image: resolve(a.image) }),
      ...(Object.keys(inputs).length > 0 && { inputs }),
      ...(ignoreFail && { ignoreFail: true }),
    };
  });
  return { steps, parameters, resource };
}

/**
 * An action's `ignore_fail` with its `${...}` resolved: true or false in any case (the file's
 * reader refused any other value written as is); anything else fails the build where it is written.
 */
function ignoreFailOf(
  a: YamlAction,
  name: string,
  written: unknown,
  resolve: (text: string) => string,
  path: string,
  parameters: ReadonlyMap<string, string>,
): boolean {
  const value = typeof written === 'string' ? resolve(written) : written;
  const flag = ignoreFailSetting(value);
  if (flag !== undefined) return flag;
  const unknown = [...String(written).matchAll(PARAMETER_REFERENCE)]
    .map((m) => m[1] as string)
    .filter((n) => !parameters.has(n));
  const why =
    unknown.length > 0
      ? `${unknown.join(', ')} ${unknown.length === 1 ? 'is not a parameter' : 'are not parameters'} of the build`
      : String(written);
  throw new BuildYamlError(
    `${path}:${a.ignoreFailAt ?? a.line}: ignore_fail of action ${a.keyword} "${name}" must be true or false, not "${String(value)}" (${why})`,
  );
}
