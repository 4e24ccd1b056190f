import { hasControlChars } from './control-chars.ts';
import { Cron } from 'croner';
import { actionOfModule } from './actions.ts';
import type { BuildConfigType } from './build.ts';
import { MAX_BRANCH_PATTERN_LENGTH, MAX_BRANCH_PATTERNS, matchBranchPattern } from './branch-pattern.ts';
import { MASK } from './build.ts';
import { repositoryUrlProblem, SCM_TYPES } from './scm.ts';
import type { JobConfig, JobParameterDoc, JobTriggerDoc } from './job-document.ts';
import {
  BRANCH_PARAMETER,
  BUILD_YAML_PATH_PARAMETER,
  isRepositoryPath,
  parameterSpec,
  withDefault,
  type ParameterSpec,
} from './job-parameters.ts';
import { parameterNameProblem, parameterValueProblem } from './parameter-rules.ts';
import { isValidRefName } from './ref-name.ts';
import { stepPropertyIssues } from './step-properties.ts';
import { ignoreFailFlag, MAX_STEPS, oneLineName, type StepSpec } from './step-spec.ts';
import { uploadInputs, uploadProblem } from './tool-inputs.ts';
import { urlUserinfo } from './url-credentials.ts';

/**
 * A job's configuration is the CodeArts create body (reference §3.1, declared in job-document.ts),
 * stored as the document the client sent (normalised) and returned as is by ListJobConfig. This
 * file checks what a JSON schema cannot (known step modules, cron syntax, parameter names) and
 * derives the `JobSpec` the engine runs.
 */

// Declared with the other parameter names (job-parameters.ts, which the dashboard imports too).
export { BUILD_YAML_PATH_PARAMETER, DEFAULT_BUILD_YAML_PATH } from './job-parameters.ts';
export type { StepSpec } from './step-spec.ts';
// Declared with the other parameter rules (parameter-rules.ts, which build.yml's reader uses too).
export { isReservedParameter, PARAM_NAME, PARAM_NAME_RULE, RESERVED_PARAMETERS } from './parameter-rules.ts';

/** Trigger names Kiln understands in `triggers[].name`. */
export const TRIGGER_NAMES = ['timer', 'code_update', 'hudson.triggers.TimerTrigger'] as const;

/**
 * CodeArts' own form of a timer (its console, SDKs and Terraform send it): the schedule is `spec`,
 * its time zone `timeZoneId` (an IANA zone; none or empty: the server's). `timeZone` and `isDST`
 * are CodeArts' display names of the zone: kept as sent, not read.
 */
const CODEARTS_TIMER = 'hudson.triggers.TimerTrigger';
const CODEARTS_TIMER_PARAMETERS = ['spec', 'timeZoneId', 'timeZone', 'isDST'];

function isTimer(t: JobTriggerDoc): boolean {
  return t.name === 'timer' || t.name === CODEARTS_TIMER;
}

/** The parameter that holds a timer's schedule: `cron` (Kiln's form) or `spec` (CodeArts'). */
function scheduleParameter(t: JobTriggerDoc): 'cron' | 'spec' {
  return t.name === CODEARTS_TIMER ? 'spec' : 'cron';
}

/** A timer's own time zone: a CodeArts timer's non-empty `timeZoneId`; undefined: the server's. */
function timerZone(t: JobTriggerDoc): string | undefined {
  const zone = t.name === CODEARTS_TIMER ? triggerParam(t, 'timeZoneId') : undefined;
  return zone === undefined || zone === '' ? undefined : zone;
}

/**
 * The zone as the time zone database names it (`asia/shanghai` is `Asia/Shanghai`), or undefined
 * when it names none. Only IANA names: an offset such as `+08:00` is refused, and a `:` would
 * break the schedule key (schedule.ts).
 */
function canonicalZone(zone: string): string | undefined {
  if (!/^[A-Za-z][A-Za-z0-9_+\-/]*$/.test(zone)) return undefined;
  try {
    return new Intl.DateTimeFormat('en-US', { timeZone: zone }).resolvedOptions().timeZone;
  } catch {
    return undefined;
  }
}

const TIME_UNITS: Record<string, number> = { SECONDS: 1_000, MINUTES: 60_000, HOURS: 3_600_000 };
/** Builds of a job without a timeout stop after this long. */
export const DEFAULT_TIMEOUT_MS = 60 * 60_000;
const MAX_TIMEOUT_MS = 24 * 3_600_000;

/** A job's artifact retention: the newest `builds` builds that kept artifacts, and those of the last `days` days. */
export interface ArtifactRetention {
  builds?: number;
  days?: number;
}
/**
 * A job's build retention (`kiln.builds_keep_days` / `_last`): builds that started more than
 * `days` days ago go, except the newest `last`; with `last` alone, all but the newest `last` go.
 * The last successful build and builds not finished always stay.
 */
export interface BuildRetention {
  days?: number;
  last?: number;
}

/** What the engine needs from a job's document. */
export interface JobSpec {
  scm:
    | {
        url: string;
        branch: string;
        scmType: string;
        webUrl: string;
        /** Check out the repository's submodules too (`auto_update_sub_module: "true"`). */
        submodules: boolean;
        /** Fetch Git LFS files (`scms[0].enable_git_lfs`). */
        lfs: boolean;
      }
    | undefined;
  /** ACTION: the steps below; YAML: the steps come from the build.yml of the commit built. */
  configType: BuildConfigType;
  steps: StepSpec[];
  parameters: ParameterSpec[];
  timeoutMs: number;
  /** The timer triggers: a cron expression, in `timeZone` when given, else the server's. */
  timers: { cron: string; timeZone?: string }[];
  /** Branch patterns a push must match to start a build; undefined when pushes start nothing. */
  pushBranches: string[] | undefined;
  keepWorkspace: boolean;
  /** Whose artifacts to keep (none set: every build's). */
  artifactRetention: ArtifactRetention;
  /** Which builds to keep (none set: all). */
  buildRetention: BuildRetention;
}

/** A semantic problem with a job document, naming the field. */
export interface ConfigIssue {
  field: string;
  message: string;
}

function triggerParam(t: JobTriggerDoc, name: string): string | undefined {
  return t.parameters.find((p) => p.name === name)?.value;
}

function splitList(text: string | undefined): string[] {
  return (text ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

function timeoutMs(doc: JobConfig['timeout']): number {
  if (!doc || doc.limit === undefined || doc.limit === '') return DEFAULT_TIMEOUT_MS;
  const unit = TIME_UNITS[(doc.unit ?? 'MINUTES').toUpperCase()] ?? 60_000;
  return Number(doc.limit) * unit;
}

/**
 * A timeout's unit whenever one is given (only with no limit may it be '', as the limit then), and
 * its limit: both named when both are wrong.
 */
function timeoutIssues({ limit = '', unit }: NonNullable<JobConfig['timeout']>): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const unitOk =
    unit === undefined || (unit === '' && limit === '') || Object.hasOwn(TIME_UNITS, unit.toUpperCase());
  if (!unitOk)
    issues.push({ field: 'timeout.unit', message: `must be one of ${Object.keys(TIME_UNITS).join(', ')}` });
  if (limit === '') return issues;
  if (!/^[1-9]\d{0,6}$/.test(limit))
    issues.push({ field: 'timeout.limit', message: 'must be a positive whole number' });
  else if (unitOk && timeoutMs({ limit, unit }) > MAX_TIMEOUT_MS)
    issues.push({ field: 'timeout.limit', message: 'must be at most 24 hours' });
  return issues;
}

/** Checks what a schema cannot; returns every problem found (empty when the document is good). */
export function checkJobConfig(config: JobConfig): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const add = (field: string, message: string) => issues.push({ field, message });

  if (config.job_name.trim() === '') add('job_name', 'must not be empty');
  else if (config.job_name.length > 128) add('job_name', 'must be at most 128 characters');
  else if (hasControlChars(config.job_name) || /[/\\]/.test(config.job_name))
    add('job_name', 'must not contain control characters or slashes');
  if (config.arch.trim() === '') add('arch', 'must not be empty');

  (config.scms ?? []).forEach((scm, i) => {
    if (i > 0) add(`scms[${i}]`, 'Kiln checks out one repository per job; give only scms[0]');
    if (scm.url.trim() === '') add(`scms[${i}].url`, 'must not be empty');
    else if (/^-/.test(scm.url)) add(`scms[${i}].url`, 'must not start with "-"');
    else {
      const problem = repositoryUrlProblem(scm.url);
      if (problem) add(`scms[${i}].url`, problem);
    }
    if (urlUserinfo(scm.url) === MASK)
      add(
        `scms[${i}].url`,
        'has masked credentials (******): give the real ones (only those who may edit the job are shown them)',
      );
    if (!(SCM_TYPES as readonly string[]).includes(scm.scm_type))
      add(`scms[${i}].scm_type`, `must be one of ${SCM_TYPES.join(', ')}`);
    // Empty, as left out: the repository's default branch (docs/jobs.md).
    if (scm.branch !== undefined && scm.branch !== '' && !isValidRefName(scm.branch))
      add(`scms[${i}].branch`, 'is not a valid branch name');
    if (scm.web_url && !/^https?:\/\/\S+$/.test(scm.web_url))
      add(`scms[${i}].web_url`, 'must be an http(s) URL');
  });

  const configType = config.build_config_type ?? 'ACTION';
  if (configType !== 'ACTION' && configType !== 'YAML')
    add('build_config_type', "must be ACTION (the steps of the job) or YAML (the repository's build.yml)");
  if (configType === 'YAML' && (config.scms ?? []).length === 0)
    add('scms', 'a code-based (YAML) job needs a repository: its build.yml is read from the commit built');
  // A job with no steps and no build_config_type is most often a code-based job missing its type:
  // the message says how to make one, not only that steps are missing.
  if (configType !== 'YAML' && config.steps.length === 0)
    add(
      'steps',
      config.build_config_type === undefined
        ? "must have at least one step (or, for a job whose steps are the repository's .cloudbuild/build.yml, set build_config_type: YAML)"
        : 'must have at least one step',
    );
  if (config.steps.length > MAX_STEPS) add('steps', `must have at most ${MAX_STEPS} steps`);
  config.steps.forEach((step, i) => {
    if (step.name.trim() === '') add(`steps[${i}].name`, 'must not be empty');
    // A property of the wrong type is named as such, not again as missing or unusable below.
    const typeIssues = stepPropertyIssues(step, `steps[${i}]`);
    if (typeIssues.length > 0) {
      issues.push(...typeIssues);
      return;
    }
    // A module Kiln does not know is kept (a migrating user imports every job): its build fails naming it.
    const action = actionOfModule(step.module_id);
    if (action?.keyword === 'upload_artifact') {
      const upload = uploadInputs(graphicalStep(step));
      if (upload.pattern === '')
        return add(
          `steps[${i}].properties.file`,
          `step "${step.name}" needs a glob of the workspace files to keep`,
        );
      // `${...}` references get their values at the build (and the step is checked again then).
      const known = (v: string) => (v.includes('${') ? '' : v);
      const problem = uploadProblem({ ...upload, version: known(upload.version), name: known(upload.name) });
      if (problem) add(`steps[${i}].properties`, `step "${step.name}": ${problem}`);
      return;
    }
    if (!action || action.run !== 'command') return;
    const command = step.properties?.command;
    if (command === undefined && action.defaultCommand !== undefined) return;
    if (typeof command !== 'string' || command.trim() === '')
      add(`steps[${i}].properties.command`, `step "${step.name}" needs a non-empty string "command"`);
  });
  const stepNames = config.steps.map((s) => s.name);
  stepNames.forEach((n, i) => {
    if (stepNames.indexOf(n) !== i) add(`steps[${i}].name`, `step name "${n}" is used twice`);
  });

  issues.push(...parameterIssues(config.parameters ?? [], configType === 'YAML'));

  timeoutIssues(config.timeout ?? {}).forEach((i) => add(i.field, i.message));

  const timers = new Map<string, number>();
  (config.triggers ?? []).forEach((t, i) => {
    if (isTimer(t)) issues.push(...timerIssues(t, `triggers[${i}]`, i, timers));
    else if (t.name === 'code_update') {
      if ((config.scms ?? []).length === 0)
        add(`triggers[${i}]`, 'a code_update trigger needs a repository in scms');
    } else {
      add(`triggers[${i}].name`, `must be one of ${TRIGGER_NAMES.join(', ')}`);
    }
  });
  issues.push(...branchPatternIssues(config.triggers ?? []));
  if (config.kiln?.keep_workspace !== undefined && typeof config.kiln.keep_workspace !== 'boolean')
    add('kiln.keep_workspace', 'must be a boolean');
  return issues;
}

/**
 * The problems of a timer (`timer` or CodeArts' `hudson.triggers.TimerTrigger`) at `field`. `timers`
 * holds the schedules of the triggers before it, by zone and expression, to refuse a second one.
 */
function timerIssues(
  t: JobTriggerDoc,
  field: string,
  index: number,
  timers: Map<string, number>,
): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const add = (f: string, message: string) => issues.push({ field: f, message });
  const codearts = t.name === CODEARTS_TIMER;
  const param = scheduleParameter(t);
  // A parameter the scheduler does not read would be saved and never apply (a timer's timeZoneId,
  // a second schedule).
  t.parameters.forEach((p, j) => {
    if (codearts ? !CODEARTS_TIMER_PARAMETERS.includes(p.name) : p.name !== 'cron')
      add(
        `${field}.parameters[${j}].name`,
        codearts
          ? `"${p.name}" is not a ${CODEARTS_TIMER} parameter: it has ${CODEARTS_TIMER_PARAMETERS.join(', ')}`
          : `"${p.name}" is not a timer parameter: a timer has one "cron", in the server's time zone (KILN_TIMEZONE)`,
      );
    else if (t.parameters.findIndex((q) => q.name === p.name) !== j)
      add(
        `${field}.parameters[${j}].name`,
        p.name === param
          ? `a timer has one "${param}": give each schedule a timer of its own`
          : `"${p.name}" is given twice`,
      );
  });
  const zone = timerZone(t);
  const canonical = zone === undefined ? '' : canonicalZone(zone);
  if (canonical === undefined)
    add(
      `${field}.parameters.timeZoneId`,
      `"${zone}" is not an IANA time zone (such as Asia/Shanghai or UTC)`,
    );
  const cron = triggerParam(t, param);
  if (!cron)
    add(
      `${field}.parameters`,
      `a ${codearts ? CODEARTS_TIMER : 'timer trigger'} needs a "${param}" parameter`,
    );
  else {
    const problem = cronProblem(cron);
    if (problem) add(`${field}.parameters.${param}`, `"${cron}" ${problem}`);
    // Each would build at every due time: two builds where one was meant. A timer without a zone
    // follows the server's, so it is another schedule than one with a zone of its own.
    const schedule = `${canonical ?? zone}|${cronText(cron)}`;
    const first = timers.get(schedule);
    if (first !== undefined)
      add(`${field}.parameters.${param}`, `"${cron}" is triggers[${first}]'s schedule too: give it once`);
    else timers.set(schedule, index);
  }
  return issues;
}

/** The problems of a job's parameter definitions: names, defaults and choices, by CodeArts' rules. */
function parameterIssues(docs: readonly JobParameterDoc[], yaml: boolean): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const add = (field: string, message: string) => issues.push({ field, message });
  const seen = new Set<string>();
  docs.forEach((doc, i) => {
    const p = parameterSpec(doc);
    const nameProblem = parameterNameProblem(p.name);
    if (nameProblem) add(`parameters[${i}].params.name`, `"${p.name}" ${nameProblem}`);
    else if (seen.has(p.name)) add(`parameters[${i}].params.name`, `parameter "${p.name}" is defined twice`);
    seen.add(p.name);
    const valueProblem = parameterValueProblem(p.defaultValue);
    if (valueProblem)
      add(`parameters[${i}].params.defaultValue`, `the default of "${p.name}" ${valueProblem}`);
    for (const choice of p.choices) {
      const problem = parameterValueProblem(choice);
      if (problem) add(`parameters[${i}].params.limits`, `a choice of "${p.name}" ${problem}`);
    }
    // A code-based job's default build.yml path is checked now, not at its first run.
    const yamlPath = yaml && p.name === BUILD_YAML_PATH_PARAMETER ? p.defaultValue : '';
    if (yamlPath !== '' && !isRepositoryPath(yamlPath))
      add(
        `parameters[${i}].params.defaultValue`,
        `"${yamlPath}" is not a path inside the repository (relative, without ..)`,
      );
    // What a scheduled build builds: refused now, not at every due time (an empty one: the job's branch).
    if (p.name === BRANCH_PARAMETER && p.defaultValue !== '' && !isValidRefName(p.defaultValue))
      add(`parameters[${i}].params.defaultValue`, `"${p.defaultValue}" is not a valid branch name`);
    if (p.choices.length > 0 && p.defaultValue !== '' && !p.choices.includes(p.defaultValue))
      add(`parameters[${i}].params.defaultValue`, `must be one of ${p.choices.join(', ')}`);
  });
  return issues;
}

/** Whether some branch name matches `pattern` (each run of stars read as one name character). */
function canMatchBranch(pattern: string): boolean {
  return !pattern.startsWith('refs/') && isValidRefName(pattern.replace(/\*+/g, 'x'));
}

/** Limits that keep matching a pushed branch cheap: pattern length and count. */
function branchPatternIssues(triggers: JobTriggerDoc[]): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  let count = 0;
  triggers.forEach((t, i) => {
    if (t.name !== 'code_update') return;
    const patterns = splitList(triggerParam(t, 'branches'));
    count += patterns.length;
    const long = patterns.find((p) => p.length > MAX_BRANCH_PATTERN_LENGTH);
    if (long !== undefined)
      issues.push({
        field: `triggers[${i}].parameters.branches`,
        message: `a branch pattern may have at most ${MAX_BRANCH_PATTERN_LENGTH} characters; "${long.slice(0, 20)}..." has ${long.length}`,
      });
    // A pattern no branch name can match would leave the trigger silent (a regular expression, a
    // space where a comma was meant, refs/heads/ before the name a push gives).
    const never = patterns.find((p) => p.length <= MAX_BRANCH_PATTERN_LENGTH && !canMatchBranch(p));
    if (never !== undefined)
      issues.push({
        field: `triggers[${i}].parameters.branches`,
        message: `"${never}" can match no branch: patterns are branch names (main, not refs/heads/main) where only * and ** are wildcards, separated by commas; ? [ ^ ~ : \\ and spaces are in no branch name`,
      });
  });
  if (count > MAX_BRANCH_PATTERNS)
    issues.push({
      field: 'triggers',
      message: `the code_update triggers may name at most ${MAX_BRANCH_PATTERNS} branch patterns together; they name ${count}`,
    });
  return issues;
}

/**
 * Why `expression` cannot be a timer's schedule, or undefined when it can: five fields (minute,
 * hour, day of month, month, day of week) or a nickname such as `@daily`, as CodeArts' (Jenkins')
 * timer takes them, that fires at some time. croner would also take a sixth field of seconds (a
 * build every second) and a date that never comes (30 February).
 */
export function cronProblem(expression: string): string | undefined {
  const fields = expression.trim().split(/\s+/);
  if (fields.length !== 5 && !(fields.length === 1 && fields[0]?.startsWith('@')))
    return 'must have five fields: minute hour day-of-month month day-of-week';
  let cron: Cron;
  try {
    cron = new Cron(expression, { paused: true });
  } catch {
    return 'is not a valid cron expression';
  }
  return cron.nextRun() === null ? 'never fires (no such date)' : undefined;
}

/** The five fields each nickname stands for (as croner reads them). */
const CRON_NICKNAMES: Record<string, string> = {
  '@YEARLY': '0 0 1 1 *',
  '@ANNUALLY': '0 0 1 1 *',
  '@MONTHLY': '0 0 1 * *',
  '@WEEKLY': '0 0 * * 0',
  '@DAILY': '0 0 * * *',
  '@MIDNIGHT': '0 0 * * *',
  '@HOURLY': '0 * * * *',
};

/**
 * An expression as one text however it is spaced, cased or nicknamed, so that two timers of one
 * schedule are seen as one (`0 0 * * *`, `0  0 * * *` and `@daily` all build at midnight).
 */
function cronText(expression: string): string {
  const text = expression.trim().split(/\s+/).join(' ').toUpperCase();
  return CRON_NICKNAMES[text] ?? text;
}

/** True for a full or abbreviated hex commit id. */
export function isCommitId(text: string): boolean {
  return /^[0-9a-f]{4,64}$/i.test(text);
}

/** The spec the engine runs, derived from a document that passed `checkJobConfig`. */
export function toJobSpec(config: JobConfig): JobSpec {
  const scm = config.scms?.[0];
  const triggers = config.triggers ?? [];
  const pushTriggers = triggers.filter((t) => t.name === 'code_update');
  // '' for a repository without a branch named: its default branch, which a push names (webhook-service).
  const defaultBranch = scm?.branch ?? '';
  let pushBranches: string[] | undefined;
  if (pushTriggers.length > 0) {
    pushBranches = pushTriggers.flatMap((t) => {
      const list = splitList(triggerParam(t, 'branches'));
      return list.length > 0 ? list : [defaultBranch];
    });
  } else if (scm && (config.build_if_code_updated || scm.is_auto_build)) {
    pushBranches = [defaultBranch];
  }
  return {
    scm: scm && {
      url: scm.url,
      branch: scm.branch ?? '',
      scmType: scm.scm_type,
      webUrl: scm.web_url ?? '',
      submodules: config.auto_update_sub_module === 'true',
      lfs: scm.enable_git_lfs === true,
    },
    configType: config.build_config_type === 'YAML' ? 'YAML' : 'ACTION',
    steps: config.build_config_type === 'YAML' ? [] : config.steps.map(graphicalStep),
    parameters: (config.parameters ?? []).map(parameterSpec),
    timeoutMs: timeoutMs(config.timeout),
    timers: triggers.filter(isTimer).map((t) => {
      const timeZone = timerZone(t);
      return {
        cron: triggerParam(t, scheduleParameter(t)) ?? '',
        ...(timeZone !== undefined && { timeZone }),
      };
    }),
    pushBranches,
    keepWorkspace: config.kiln?.keep_workspace === true,
    artifactRetention: {
      ...(config.kiln?.artifacts_keep_builds !== undefined && { builds: config.kiln.artifacts_keep_builds }),
      ...(config.kiln?.artifacts_keep_days !== undefined && { days: config.kiln.artifacts_keep_days }),
    },
    buildRetention: {
      ...(config.kiln?.builds_keep_days !== undefined && { days: config.kiln.builds_keep_days }),
      ...(config.kiln?.builds_keep_last !== undefined && { last: config.kiln.builds_keep_last }),
    },
  };
}

/** A graphical step as the engine runs it: its module's action, with the action's default command when it gives none. */
function graphicalStep(s: JobConfig['steps'][number]): StepSpec {
  const action = actionOfModule(s.module_id);
  const properties = s.properties ?? {};
  const { command, image, ignore_fail: ignoreFail, ...inputs } = properties;
  return {
    name: oneLineName(s.name),
    moduleId: s.module_id,
    enabled: s.enable !== false,
    command: typeof command === 'string' ? command : (action?.defaultCommand ?? ''),
    action: action?.keyword ?? '',
    ...(typeof image === 'string' && image !== '' && { image }),
    ...(Object.keys(inputs).length > 0 && { inputs }),
    ...ignoreFailOfProperty(ignoreFail),
  };
}

/**
 * `properties.ignore_fail`: true or false in any case as a build.yml's; a `${name}` is kept as
 * written for the run to resolve (and to fail on, naming it, when it is neither). Any other value
 * is false, as it always was: a stored job with `ignore_fail: 1` or `"yes"` runs as before rather
 * than failing every build from now on.
 */
function ignoreFailOfProperty(value: unknown): Pick<StepSpec, 'ignoreFail' | 'ignoreFailAsWritten'> {
  if (typeof value === 'string' && value.includes('${')) return { ignoreFailAsWritten: value };
  const flag = ignoreFailFlag(value);
  return flag ? { ignoreFail: true } : {};
}

/**
 * True when `branch` matches one of the patterns (`*` matches within a path segment, `**` across),
 * in time linear in the branch (see branch-pattern.ts). A pattern longer than the limit, stored
 * before the limit existed, matches nothing.
 */
export function branchMatches(patterns: readonly string[], branch: string): boolean {
  return patterns.some((p) => p.length <= MAX_BRANCH_PATTERN_LENGTH && matchBranchPattern(p, branch));
}

/**
 * Fields the CodeArts update body does not carry; an update keeps their stored values when absent.
 * (`group_id` too, but a job's group is not in its stored document: JobService.)
 */
export const KEPT_ON_UPDATE = ['timeout', 'build_if_code_updated', 'triggers', 'kiln'] as const;

/**
 * What each of KEPT_ON_UPDATE is when a job has none: sent by a client that replaces the whole job
 * (`kiln jobs update -f`), so that a field left out of its file is cleared, not kept.
 */
export const CLEARED_ON_REPLACE: Record<(typeof KEPT_ON_UPDATE)[number], unknown> = {
  timeout: {},
  build_if_code_updated: false,
  triggers: [],
  kiln: {},
};

/**
 * An update body completed from the stored document for KEPT_ON_UPDATE: a field the body leaves
 * out keeps its stored value, and one it sets to its CLEARED_ON_REPLACE value where the stored
 * document has none stays absent. That is no change: `kiln jobs show` prints the document as
 * stored (without the field) and `kiln jobs update` sends what the file lacks cleared, so an
 * unedited round trip would otherwise store, and the history's diff show, `"triggers": []`.
 */
export function withKeptFields<T extends object>(input: T, stored: object): T {
  const merged = { ...input } as Record<string, unknown>;
  const kept = stored as Record<string, unknown>;
  for (const key of KEPT_ON_UPDATE) {
    if (kept[key] !== undefined) merged[key] ??= kept[key];
    else if (JSON.stringify(merged[key]) === JSON.stringify(CLEARED_ON_REPLACE[key])) delete merged[key];
  }
  return merged as T;
}

/**
 * The document as shown to people and clients: default values of sensitive parameters are
 * replaced by the mask, as they are in logs and history details.
 */
export function maskSensitiveDefaults(config: JobConfig, mask: string): JobConfig {
  if (!config.parameters?.some((d) => parameterSpec(d).sensitive)) return config;
  return {
    ...config,
    parameters: config.parameters.map((d) => {
      const p = parameterSpec(d);
      return p.sensitive && p.defaultValue !== '' ? withDefault(d, mask) : d;
    }),
  };
}

/**
 * Parameters as a template keeps them: sensitive ones without their default. A template is read by
 * the whole domain, and one saved from a job's document would carry the mask as the new job's secret.
 */
export function withoutSensitiveDefaults(parameters: JobParameterDoc[]): JobParameterDoc[] {
  return parameters.map((d) => {
    const p = parameterSpec(d);
    return p.sensitive && p.defaultValue !== '' ? withDefault(d, '') : d;
  });
}

/**
 * An update that sends a masked sensitive default back unchanged (a client that read the document
 * and edited something else) keeps the stored value.
 */
export function restoreSensitiveDefaults(input: JobConfig, stored: JobConfig, mask: string): JobConfig {
  if (!input.parameters) return input;
  const storedDefaults = new Map(
    (stored.parameters ?? []).map((d) => [parameterSpec(d).name, parameterSpec(d).defaultValue]),
  );
  return {
    ...input,
    parameters: input.parameters.map((d) => {
      const p = parameterSpec(d);
      const kept = storedDefaults.get(p.name);
      return p.sensitive && p.defaultValue === mask && kept !== undefined ? withDefault(d, kept) : d;
    }),
  };
}
