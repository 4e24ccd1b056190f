import { PREDEFINED_PARAMETERS } from './predefined-parameters.ts';

/**
 * What a parameter's name and value may be, wherever a parameter comes from: a job's parameters
 * (checked when the job is saved), the values a build is run with, a build.yml's or a BuildFlow's
 * `params`. CodeArts' rules (spec §4.2) and the names Kiln sets itself; each problem is a phrase
 * that follows the parameter's name in a message.
 */

/** Environment names Kiln sets itself; a job parameter may not take them. */
export const RESERVED_PARAMETERS = [
  'BUILD_NUMBER',
  'DAILY_BUILD_NUMBER',
  'COMMIT_ID',
  'CODE_BRANCH',
  'JOB_ID',
  'WORKSPACE',
  'PATH',
  'HOME',
  // The runner's base environment (runner/build-execution.ts baseEnvironment): a parameter would
  // replace them in every step.
  'LANG',
  'CI',
  'KILN',
] as const;

/**
 * Names CodeArts refuses: each changes how every program of the build loads or starts (the
 * dynamic loader's libraries, the shell's start file, git's ssh command).
 */
export const FORBIDDEN_PARAMETERS = [
  'LD_PRELOAD',
  'LD_LIBRARY_PATH',
  'PATH',
  'BASH_ENV',
  'GIT_SSH_COMMAND',
] as const;

/** The most characters a parameter's value may have (CodeArts' limit). */
export const MAX_PARAMETER_VALUE_LENGTH = 8192;

/** Template marks CodeArts refuses in parameters. */
const TEMPLATE_MARKS = ['{{', '{%', '{#'] as const;

/** A parameter name: letters, digits and _, not starting with a digit. */
export const PARAM_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;
/** What a parameter name that is not one must be. */
export const PARAM_NAME_RULE =
  'must be a name of at most 128 letters, digits and _, not starting with a digit';

/** True for a name Kiln sets itself (its own, the predefined CodeArts parameters, KILN_*). */
export function isReservedParameter(name: string): boolean {
  return (
    (RESERVED_PARAMETERS as readonly string[]).includes(name) ||
    (PREDEFINED_PARAMETERS as readonly string[]).includes(name) ||
    name.startsWith('KILN_')
  );
}

/** Why `name` cannot be a parameter's name (the rule it breaks), or undefined when it can. */
export function parameterNameProblem(name: string): string | undefined {
  if ((FORBIDDEN_PARAMETERS as readonly string[]).includes(name))
    return `cannot be a parameter: CodeArts forbids ${FORBIDDEN_PARAMETERS.join(', ')}, which change how the build's programs load and start`;
  if (!PARAM_NAME.test(name)) return PARAM_NAME_RULE;
  if (isReservedParameter(name)) return 'is set by Kiln and cannot be a parameter';
  return undefined;
}

/** Why `value` cannot be a parameter's value (the rule it breaks), or undefined when it can. */
export function parameterValueProblem(value: string): string | undefined {
  if (value.length > MAX_PARAMETER_VALUE_LENGTH)
    return `has ${value.length} characters; a parameter's value may have at most ${MAX_PARAMETER_VALUE_LENGTH}`;
  const mark = TEMPLATE_MARKS.find((m) => value.includes(m));
  if (mark)
    return `contains "${mark}"; CodeArts refuses ${TEMPLATE_MARKS.join(', ')} in parameters (template marks)`;
  if (value.includes('\u0000')) return 'contains NUL';
  return undefined;
}
