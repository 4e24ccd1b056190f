import { actionOfModule, type ActionKind } from './actions.ts';
import { ignoreFailFlag } from './step-spec.ts';
import { jsonEncoded, listValue } from './tool-inputs.ts';

/**
 * The types of the graphical step properties Kiln reads (docs/build-yaml.md, "Graphical jobs"),
 * checked when a job or template is saved: a value of another type was saved and then ignored, or
 * read as something else, at every build (`image: {}`, `report_path: 5`, an upload's `file: 5`).
 * What CodeArts clients send is taken: flags as booleans or as text (`"true"`, any case),
 * versions as numbers, lists JSON-encoded in a string (Terraform's `"[]"`), null for absent.
 * Properties Kiln does not read, and every property of a module it does not know, stay free-form.
 */

/** A property of the wrong type: the field it is at, and what is wrong (job-config.ts's ConfigIssue). */
export interface PropertyIssue {
  field: string;
  message: string;
}

/** How a property is read. */
type Kind =
  | 'text'
  /** Text, or a number (a release version written as one: `buildVersion: 2`). */
  | 'textOrNumber'
  /** true or false: a boolean, or as text in any case (a `${name}` is read at the build). */
  | 'flag'
  /** `ignore_fail`: any single value (a word neither true nor false is false, as it always was). */
  | 'ignoreFail'
  /** Maven repositories: a list of URLs (text, `{url}` or `{value}`), JSON-encoded or one URL. */
  | 'repositories'
  | { map: Readonly<Record<string, Kind>> };

/** What a command action reads after it runs: test and coverage reports (tool-inputs.ts). */
const REPORTS: Record<string, Kind> = {
  report_path: 'text',
  coverage: 'flag',
  coverage_report_path: 'text',
  unit_test: { map: { enable: 'flag', report_path: 'text', coverage: 'flag', coverage_report_path: 'text' } },
};

/** The properties each kind of action reads, beyond `image` and `ignore_fail` (and a command action's `command`, checked apart). */
function readProperties(action: ActionKind): Record<string, Kind> {
  switch (action.run) {
    case 'command':
      return action.keyword === 'maven'
        ? {
            ...REPORTS,
            file: 'text',
            junitCoverageSwitch: 'flag',
            coverageReportPath: 'text',
            userPublicRepositories: 'repositories',
            settings: { map: { public_repos: 'repositories' } },
          }
        : REPORTS;
    case 'upload':
      return {
        path: 'text',
        file: 'text',
        version: 'textOrNumber',
        buildVersion: 'textOrNumber',
        name: 'textOrNumber',
      };
    case 'checkout':
      return {
        url: 'text',
        path: 'text',
        branch: 'text',
        commit: 'text',
        tag: 'text',
        lfs: 'flag',
        submodule: 'flag',
      };
    case 'download':
      return { url: 'text' };
    case 'file':
      return { name: 'text' };
    default:
      return {};
  }
}

/** A value as a message names it. */
function described(value: unknown): string {
  if (typeof value === 'string') return `"${value.length > 60 ? `${value.slice(0, 60)}…` : value}"`;
  if (Array.isArray(value)) return 'a list';
  return typeof value === 'object' ? 'a map' : `a ${typeof value}`;
}

const isMap = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** A repository of the list: text, or `{url}` / `{value}` as CodeArts' pickers give it. */
const isRepository = (item: unknown) =>
  typeof item === 'string' ||
  (isMap(item) && (typeof item.url === 'string' || typeof item.value === 'string'));

/** The problems of `value`, read as `kind`, at `path` (`image`, `unit_test.report_path`). */
function problems(value: unknown, kind: Kind, path: string): { path: string; message: string }[] {
  if (value === null || value === undefined) return [];
  const wrong = (expected: string) => [
    { path, message: `${path} must be ${expected}, not ${described(value)}` },
  ];
  if (kind === 'text') return typeof value === 'string' ? [] : wrong('text (a string)');
  if (kind === 'textOrNumber')
    return typeof value === 'string' || (typeof value === 'number' && Number.isFinite(value))
      ? []
      : wrong('text (a string) or a number');
  if (kind === 'flag' || kind === 'ignoreFail') {
    const ok =
      typeof value === 'boolean' ||
      (typeof value === 'string' &&
        (kind === 'ignoreFail' ||
          value.trim() === '' ||
          value.includes('${') ||
          ignoreFailFlag(value) !== undefined)) ||
      (kind === 'ignoreFail' && typeof value === 'number');
    return ok ? [] : wrong('true or false (a boolean, or as text)');
  }
  if (kind === 'repositories') {
    if (typeof value !== 'string' && !Array.isArray(value)) return wrong('a list of repository URLs');
    const list = listValue(value);
    // A string is a JSON-encoded list, or one URL (or a `${name}` for one); a word is neither.
    const text = typeof value === 'string' ? value.trim() : '';
    if (text !== '' && !text.startsWith('[') && !/^\S+:\/\/\S+$/.test(text) && !text.includes('${'))
      return wrong('a list of repository URLs');
    if (text.startsWith('[') && list.length === 1 && list[0] === value)
      return wrong('a list of repository URLs (this one is not valid JSON)');
    return list.flatMap((item, i) =>
      isRepository(item)
        ? []
        : [
            {
              path: `${path}[${i}]`,
              message: `${path}[${i}] must be a repository URL (text, or {url} or {value}), not ${described(item)}`,
            },
          ],
    );
  }
  // A map may come JSON-encoded in a string, as Terraform sends nested values (read so: tool-inputs.ts).
  const map = typeof value === 'string' ? (jsonEncoded(value, '{') ?? value) : value;
  if (!isMap(map)) return wrong('a map');
  return Object.entries(kind.map).flatMap(([key, inner]) => problems(map[key], inner, `${path}.${key}`));
}

/**
 * The type problems of a step's properties, each naming the step and the property; `at` is the
 * step's field (`steps[0]`, `template.steps[1]`). None for a module Kiln does not know.
 */
export function stepPropertyIssues(
  step: { name: string; module_id: string; properties?: Record<string, unknown> | null | undefined },
  at: string,
): PropertyIssue[] {
  const action = actionOfModule(step.module_id);
  const properties = step.properties;
  if (!action || !properties) return [];
  const kinds: Record<string, Kind> = { image: 'text', ignore_fail: 'ignoreFail', ...readProperties(action) };
  return Object.entries(kinds).flatMap(([key, kind]) =>
    problems(properties[key], kind, key).map((p) => ({
      field: `${at}.properties.${p.path}`,
      message: `step "${step.name}": ${p.message}`,
    })),
  );
}
