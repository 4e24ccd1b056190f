import { CONTROL_CHARS } from './control-chars.ts';

/** The most steps a build has: a job's, or the actions of a build.yml (the reference's maxItems). */
export const MAX_STEPS = 100;

/** A step as the engine runs it: a graphical step of the job, or an action of a build.yml. */
export interface StepSpec {
  name: string;
  /** The graphical step's `module_id`, or the build.yml action keyword. */
  moduleId: string;
  enabled: boolean;
  /** The command a command action runs ('' for other actions). */
  command: string;
  /** The action keyword (actions.ts); '' for a module Kiln does not know. Absent in plans stored before it existed: `sh`. */
  action?: string;
  /** The step's image (`cloudbuild@maven3.5.3-jdk8-open`, or an image reference). */
  image?: string;
  /** The action's inputs other than `command`, as strings, `${name}` references resolved. */
  inputs?: Record<string, unknown>;
  /** Go on with the next step when this one fails (`ignore_fail`). */
  ignoreFail?: boolean;
  /**
   * A graphical step's `properties.ignore_fail` that is not plainly true or false as stored (a
   * `${name}` in it, or a word that is neither): read at run time, once its references are
   * resolved, as a build.yml's is.
   */
  ignoreFailAsWritten?: string;
}

/**
 * A step's name as one line: each control character becomes a space. A name read at run time
 * (`name: ${X}`) could otherwise carry a newline and forge `[kiln]` lines wherever it is printed
 * (the log, the records' stages, messages about the step).
 */
export function oneLineName(name: string): string {
  return name.replace(CONTROL_CHARS, ' ');
}

/**
 * `ignore_fail` (and every flag of a step) as CodeArts reads it: a boolean, or true or false as
 * text in any case; undefined for any other value (a step that silently did not ignore its
 * failure, or did, would be worse than an error).
 */
export function ignoreFailFlag(value: unknown): boolean | undefined {
  if (typeof value === 'boolean') return value;
  const flag = typeof value === 'string' ? value.toLowerCase() : undefined;
  return flag === 'true' ? true : flag === 'false' ? false : undefined;
}

/**
 * `ignore_fail` as CodeArts documents it: `true` goes on after a failure, and an empty or absent
 * value stops the build (spec §3.2), so `ignore_fail: ""`, a bare `ignore_fail:` and a
 * `${name}` that becomes empty are false; otherwise as ignoreFailFlag.
 */
export function ignoreFailSetting(value: unknown): boolean | undefined {
  if (value === null || value === undefined || (typeof value === 'string' && value.trim() === ''))
    return false;
  return ignoreFailFlag(value);
}
