import { ignoreFailFlag, type StepSpec } from './step-spec.ts';
import type { TestCounts } from './build.ts';
import { artifactNameProblem, artifactVersionProblem } from './artifact.ts';

export type { TestCounts };

/**
 * The inputs of tool actions that mean something on a runner (docs/build-yaml.md, "Tools and
 * images"): Maven's public repositories (`settings.public_repos`, graphical
 * `userPublicRepositories`) become a settings.xml in the build's HOME, and a unit-test report path
 * (`unit_test.report_path`, graphical `file`) has the JUnit and coverage reports found after the
 * step read and kept with it. The rest of the Huawei-side inputs (cache, dependency check) are
 * ignored.
 */

/**
 * The items of a list input: a list, a list JSON-encoded in a string (Terraform sends every
 * graphical property so: `"[]"` was read as a repository named "[]"), or one value.
 */
export function listValue(value: unknown): unknown[] {
  if (Array.isArray(value)) return value;
  if (typeof value !== 'string' || value.trim() === '') return [];
  const parsed = jsonEncoded(value, '[');
  // Not a JSON list: one value, as any other string.
  return Array.isArray(parsed) ? parsed : [value];
}

/** Strings of a list input; graphical lists may hold `{value}` or `{url}` objects. */
function stringList(value: unknown): string[] {
  return listValue(value)
    .map((item: unknown) => {
      if (typeof item === 'string') return item;
      if (item && typeof item === 'object') {
        const o = item as Record<string, unknown>;
        const v = o.url ?? o.value;
        return typeof v === 'string' ? v : '';
      }
      return '';
    })
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

function record(value: unknown): Record<string, unknown> {
  const map = typeof value === 'string' ? jsonEncoded(value, '{') : value;
  return map && typeof map === 'object' && !Array.isArray(map) ? (map as Record<string, unknown>) : {};
}

/**
 * A list (`[`) or a map (`{`) sent JSON-encoded in a string, as Terraform sends nested values;
 * undefined when `text` is not one.
 */
export function jsonEncoded(text: string, opening: '[' | '{'): unknown {
  if (!text.trim().startsWith(opening)) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** The repositories a Maven step names (YAML `settings.public_repos`, graphical `userPublicRepositories`). */
export function mavenPublicRepositories(step: StepSpec): string[] {
  if (step.action !== 'maven') return [];
  const inputs = step.inputs ?? {};
  return [...stringList(record(inputs.settings).public_repos), ...stringList(inputs.userPublicRepositories)];
}

/** What a step asks the runner to read after it: its JUnit reports, and its coverage reports. */
export interface ReportInputs {
  /** Glob of the JUnit XML reports. */
  reports: string;
  /** Glob of the coverage reports: files, or directories holding jacoco.xml or a Cobertura XML. */
  coverage?: string;
}

/** Where a Maven build leaves its JaCoCo report when the step names no place. */
export const DEFAULT_COVERAGE_PATH = '**/site/jacoco';

/**
 * The reports a step names, or undefined: YAML `unit_test.report_path` (unless `enable` is false),
 * with `unit_test.coverage` and `coverage_report_path`; the graphical Maven module's `file`, with
 * `junitCoverageSwitch` and `coverageReportPath`; or a plain `report_path` input, which any action
 * (a shell step running pytest or Jest, say) may carry.
 */
export function testReportInputs(step: StepSpec): ReportInputs | undefined {
  const inputs = step.inputs ?? {};
  const unitTest = record(inputs.unit_test);
  const text = (v: unknown) => (typeof v === 'string' ? v.trim() : '');
  // Flags as booleans or as text in any case (ignore_fail's rule), as they are checked on save.
  const on = (v: unknown) => ignoreFailFlag(v) === true;
  if (ignoreFailFlag(unitTest.enable) === false) return undefined;
  // `file` is the graphical Maven module's report glob; other modules' `file` means other things.
  const reports =
    text(unitTest.report_path) ||
    text(inputs.report_path) ||
    (step.action === 'maven' ? text(inputs.file) : '');
  if (reports === '') return undefined;
  const coverageWanted = on(unitTest.coverage) || on(inputs.junitCoverageSwitch) || on(inputs.coverage);
  const coverage =
    text(unitTest.coverage_report_path) ||
    text(inputs.coverageReportPath) ||
    text(inputs.coverage_report_path) ||
    DEFAULT_COVERAGE_PATH;
  return { reports, ...(coverageWanted && { coverage }) };
}

const xmlEscape = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/**
 * ~/.m2/settings.xml for the repositories: one profile, always active, that adds each as a
 * repository and a plugin repository (ids public-1, public-2 ...), searched before Maven Central.
 */
export function mavenSettingsXml(repositories: readonly string[]): string {
  const entry = (tag: string, url: string, i: number) =>
    `        <${tag}>\n          <id>public-${i + 1}</id>\n          <url>${xmlEscape(url)}</url>\n          <releases><enabled>true</enabled></releases>\n          <snapshots><enabled>true</enabled></snapshots>\n        </${tag}>\n`;
  return (
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    '<!-- Written by Kiln for this build: the public repositories of the Maven step. -->\n' +
    '<settings xmlns="http://maven.apache.org/SETTINGS/1.0.0">\n' +
    '  <profiles>\n    <profile>\n      <id>kiln-public-repositories</id>\n' +
    '      <repositories>\n' +
    repositories.map((u, i) => entry('repository', u, i)).join('') +
    '      </repositories>\n      <pluginRepositories>\n' +
    repositories.map((u, i) => entry('pluginRepository', u, i)).join('') +
    '      </pluginRepositories>\n    </profile>\n  </profiles>\n' +
    '  <activeProfiles>\n    <activeProfile>kiln-public-repositories</activeProfile>\n  </activeProfiles>\n' +
    '</settings>\n'
  );
}

/** "12 tests, 1 failure, 0 errors, 2 skipped". */
export function describeCounts(c: TestCounts): string {
  const n = (k: number, one: string, many: string) => `${k} ${k === 1 ? one : many}`;
  return `${n(c.tests, 'test', 'tests')}, ${n(c.failures, 'failure', 'failures')}, ${n(c.errors, 'error', 'errors')}, ${c.skipped} skipped`;
}

/** What an upload_artifact step (or the graphical module 20018) asks to keep. */
export interface UploadInputs {
  /** A glob of workspace files (`path`, or the module's `file`). */
  pattern: string;
  /** The release version ('' for the build number): `version`, or the module's `buildVersion`. */
  version: string;
  /** The name to keep a file under ('' keeps each file's own). */
  name: string;
}

/** The upload inputs of a step, each a trimmed string ('' when absent). */
export function uploadInputs(step: StepSpec): UploadInputs {
  const inputs = step.inputs ?? {};
  const text = (...names: string[]) => {
    for (const n of names) {
      const v = inputs[n];
      if (typeof v === 'string' && v.trim() !== '') return v.trim();
      if (typeof v === 'number') return String(v);
    }
    return '';
  };
  return { pattern: text('path', 'file'), version: text('version', 'buildVersion'), name: text('name') };
}

/** What is wrong with an upload step's inputs, or undefined. */
export function uploadProblem(upload: UploadInputs): string | undefined {
  if (upload.pattern === '') return 'upload_artifact needs a path (a glob of workspace files)';
  return (
    artifactVersionProblem(upload.version) ??
    (upload.name === '' ? undefined : artifactNameProblem(upload.name))
  );
}
