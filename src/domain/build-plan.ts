import type { BuildParameter, BuildType } from './build.ts';
import {
  BUILD_YAML_PATH_PARAMETER,
  DEFAULT_BUILD_YAML_PATH,
  isCommitId,
  type JobSpec,
  type StepSpec,
} from './job-config.ts';
import { BRANCH_PARAMETER, isRepositoryPath } from './job-parameters.ts';
import { parameterNameProblem, parameterValueProblem } from './parameter-rules.ts';
import type { BuildContext } from './predefined-parameters.ts';
import { isValidRefName } from './ref-name.ts';

/**
 * What one build runs, fixed when it is triggered: a later change to the job does not change a
 * build that is already queued or running.
 */
export interface BuildPlan {
  scm:
    | {
        url: string;
        buildType: BuildType;
        ref: string;
        /**
         * The commit to check out; '' for what `ref` points at. A BuildFlow's job sets it beside
         * its flow's branch or tag (the build stays that branch's or tag's).
         */
        commit: string;
        /** Check out submodules, recursively (absent in plans stored before it existed: no). */
        submodules?: boolean;
        /** Fetch Git LFS files (absent: no). */
        lfs?: boolean;
      }
    | undefined;
  /** The job's steps; empty for a code-based build (its steps come from its build.yml). */
  steps: StepSpec[];
  /**
   * A code-based build: the build.yml to read from the commit built (absent: a graphical build);
   * for a job of a BuildFlow, the parameters the flow passes down (under the file's own).
   */
  yaml?: { path: string; inherited?: { name: string; value: string }[] };
  parameters: BuildParameter[];
  timeoutMs: number;
  keepWorkspace: boolean;
  /**
   * Every commit the build checks out (its repository's, a build.yml checkout action's) must be on
   * a branch or tag of its repository: its starter chose commits or values (`scm.build_commit_id`,
   * a parameter a checkout's `commit` takes) and may not change the job, and a commit fetched by
   * its id (a fork's pull request) holds anyone's code, which would run with the job's secrets.
   * Absent: any commit the repository serves.
   */
  onBranchOrTag?: true;
  /** For the predefined parameters (absent in plans stored before it existed). */
  context?: BuildContext;
  /**
   * Who had last saved the job's document when the build was triggered (a user id): the steps are
   * theirs, and the build acts for them too (engine/build-users.ts). Absent in plans stored before
   * it existed (the job's history is read then).
   */
  savedBy?: string;
}

/** What a run request asks for (RunJob body, a schedule, a push). */
export interface RunRequest {
  parameters: { name: string; value: string }[];
  tag?: string | undefined;
  commit?: string | undefined;
  /** Branch to build (a push names it); otherwise the codeBranch parameter or the job's branch. */
  branch?: string | undefined;
}

/** The plan and the record fields that describe what is built. */
export interface PlannedBuild {
  plan: BuildPlan;
  buildType: BuildType;
  codeBranch: string;
  requestedCommit: string;
}

/** A problem with a run request, naming the field. */
export interface RunIssue {
  field: string;
  message: string;
}

/**
 * Why a value given at run time cannot be used, naming the rule: a parameter's name and value
 * follow CodeArts' rules; a graphical job takes only its own parameters, while a code-based one
 * may also be given those its build.yml declares (read only once it runs), so any valid name.
 */
function runParameterIssue(
  spec: JobSpec,
  p: { name: string; value: string },
): { part: 'name' | 'value'; message: string } | undefined {
  const nameProblem = parameterNameProblem(p.name);
  if (nameProblem) return { part: 'name', message: `"${p.name}" ${nameProblem}` };
  const known = p.name === BRANCH_PARAMETER || spec.parameters.some((d) => d.name === p.name);
  if (!known && spec.configType !== 'YAML')
    return { part: 'name', message: `"${p.name}" is not a parameter of this job` };
  const valueProblem = parameterValueProblem(p.value);
  if (valueProblem) return { part: 'value', message: `the value of "${p.name}" ${valueProblem}` };
  return undefined;
}

/** Why a parameter of the stored job cannot reach a build (the job must be changed), or undefined. */
function storedParameterProblem(name: string, value: string): string | undefined {
  const nameProblem = parameterNameProblem(name);
  if (nameProblem) return `the job's parameter "${name}" ${nameProblem}; change the job`;
  const valueProblem = parameterValueProblem(value);
  if (valueProblem) return `the default of the job's parameter "${name}" ${valueProblem}; change the job`;
  return undefined;
}

/** Turns a job's spec and a run request into a plan, or lists what is wrong with the request. */
export function planBuild(spec: JobSpec, req: RunRequest, context?: BuildContext): PlannedBuild | RunIssue[] {
  const issues: RunIssue[] = [];
  const given = new Map<string, string>();
  const yaml = spec.configType === 'YAML';
  req.parameters.forEach((p, i) => {
    const issue = runParameterIssue(spec, p);
    if (issue) issues.push({ field: `parameter[${i}].${issue.part}`, message: issue.message });
    else given.set(p.name, p.value);
  });
  const parameters: BuildParameter[] = spec.parameters.map((d) => {
    // A push names the branch it builds: the job's codeBranch parameter is that branch, as the
    // build's own codeBranch is (what it was run with, as ShowHistoryDetails shows it).
    const pushed = d.name === BRANCH_PARAMETER && !given.has(d.name) ? req.branch : undefined;
    const value = given.get(d.name) ?? pushed ?? d.defaultValue;
    // A job saved before a rule existed is held to it too: its defaults reach the build all the same.
    const problem =
      req.parameters.some((p) => p.name === d.name) || pushed !== undefined
        ? undefined
        : storedParameterProblem(d.name, d.defaultValue);
    if (problem) issues.push({ field: 'parameters', message: problem });
    if (d.choices.length > 0 && given.has(d.name) && !d.choices.includes(value)) {
      issues.push({ field: 'parameter', message: `${d.name} must be one of ${d.choices.join(', ')}` });
    }
    return { name: d.name, value, sensitive: d.sensitive };
  });
  for (const [name, value] of given)
    if (!parameters.some((p) => p.name === name))
      parameters.push({
        name,
        value,
        sensitive: false,
        // codeBranch and CB_BUILD_YAML_PATH are Kiln's to read; any other name must be declared.
        ...(name !== BRANCH_PARAMETER && name !== BUILD_YAML_PATH_PARAMETER && { undeclared: true as const }),
      });
  const yamlPath = yaml
    ? parameters.find((p) => p.name === BUILD_YAML_PATH_PARAMETER)?.value || DEFAULT_BUILD_YAML_PATH
    : '';
  if (yaml && !isRepositoryPath(yamlPath))
    issues.push({
      field: BUILD_YAML_PATH_PARAMETER,
      message: `"${yamlPath}" is not a path inside the repository (relative, without ..)`,
    });

  // An empty codeBranch (ShowDefaultBuildParameters' default) means the job's own branch.
  const branch =
    req.branch ?? (parameters.find((p) => p.name === BRANCH_PARAMETER)?.value || spec.scm?.branch || '');
  if (branch !== '' && !isValidRefName(branch))
    issues.push({ field: BRANCH_PARAMETER, message: `"${branch}" is not a valid branch name` });
  if (req.tag !== undefined && !isValidRefName(req.tag))
    issues.push({ field: 'scm.build_tag', message: `"${req.tag}" is not a valid tag name` });
  if (req.commit !== undefined && !isCommitId(req.commit)) {
    issues.push({
      field: 'scm.build_commit_id',
      message: `"${req.commit}" is not a commit id (4 to 64 hex digits)`,
    });
  }
  if ((req.tag !== undefined || req.commit !== undefined) && !spec.scm) {
    issues.push({ field: 'scm', message: 'this job has no repository to check out' });
  }
  if (issues.length > 0) return issues;

  // Given both, the commit wins, as CodeArts' checkout action says of its `tag` and `commit`. A push
  // names its branch and the commit it moved to: a build of that branch, pinned to the commit (the
  // branch may move on before the runner fetches), as a BuildFlow's jobs are.
  const buildType: BuildType =
    req.commit !== undefined && req.branch === undefined
      ? 'commit'
      : req.tag !== undefined
        ? 'tag'
        : 'branch';
  const codeBranch = buildType === 'tag' ? (req.tag as string) : branch;
  return {
    plan: {
      scm: spec.scm && {
        url: spec.scm.url,
        buildType,
        ref: codeBranch,
        commit: req.commit ?? '',
        submodules: spec.scm.submodules,
        lfs: spec.scm.lfs,
      },
      steps: spec.steps,
      ...(yaml && { yaml: { path: yamlPath } }),
      parameters,
      timeoutMs: spec.timeoutMs,
      keepWorkspace: spec.keepWorkspace,
      ...(context && { context }),
    },
    buildType,
    codeBranch,
    requestedCommit: req.commit ?? '',
  };
}
