import type { JobParameterDoc } from './job-document.ts';

/**
 * A job parameter's CodeArts form (a definition class and a name/value list: `name`,
 * `defaultValue`, `sensitiveVar`, `description`, choice `limits`) read and written in one place,
 * for the engine and the dashboard alike.
 */

/** The definition class of a parameter (CodeArts' "String Parameters"; a choice has `limits`). */
export const STRING_PARAMETER = 'hudson.model.StringParameterDefinition';

/** The run-time parameter CodeArts uses to choose the branch to build. */
export const BRANCH_PARAMETER = 'codeBranch';
/** Where a code-based job's build.yml is, unless its CB_BUILD_YAML_PATH parameter names another file. */
export const DEFAULT_BUILD_YAML_PATH = '.cloudbuild/build.yml';
/** The job parameter that names another build.yml. */
export const BUILD_YAML_PATH_PARAMETER = 'CB_BUILD_YAML_PATH';

/**
 * A relative path that stays inside the repository. No control character (a line break above
 * all): the path is named in the build's log, where one would start a line of the runner's own.
 */
export function isRepositoryPath(path: string): boolean {
  if (
    path === '' ||
    path.length > 1024 ||
    path.startsWith('/') ||
    /[\\\u0000-\u001f\u007f-\u009f\u2028\u2029]/.test(path)
  )
    return false;
  return path.split('/').every((part) => part !== '..' && part !== '');
}

/** A job parameter as the engine and the dashboard use it. */
export interface ParameterSpec {
  name: string;
  defaultValue: string;
  sensitive: boolean;
  description: string;
  /** Allowed values for a choice parameter; empty when any value goes. */
  choices: string[];
}

/** The value of one entry of the name/value list, '' when absent or null. */
function paramValue(doc: JobParameterDoc, name: string): string {
  return doc.params?.find((p) => p.name === name)?.value ?? '';
}

/** A parameter definition read from its CodeArts name/value list. */
export function parameterSpec(doc: JobParameterDoc): ParameterSpec {
  const limits =
    (doc.params ?? []).find((p) => p.name === 'limits' || (p.limits?.length ?? 0) > 0)?.limits ?? [];
  return {
    name: paramValue(doc, 'name'),
    defaultValue: paramValue(doc, 'defaultValue'),
    sensitive: paramValue(doc, 'sensitiveVar') === 'true',
    description: paramValue(doc, 'description'),
    choices: (limits ?? []).filter((l) => l.disable !== 'true' && l.name).map((l) => l.name ?? ''),
  };
}

/** The definition with entry `name` set to `value` (added at the end when it has none). */
export function withParam(doc: JobParameterDoc, name: string, value: string): JobParameterDoc {
  const params = doc.params ?? [];
  return params.some((p) => p.name === name)
    ? { ...doc, params: params.map((p) => (p.name === name ? { ...p, value } : p)) }
    : { ...doc, params: [...params, { name, value }] };
}

/** The parameter definition with its default value replaced. */
export function withDefault(doc: JobParameterDoc, value: string): JobParameterDoc {
  return withParam(doc, 'defaultValue', value);
}
