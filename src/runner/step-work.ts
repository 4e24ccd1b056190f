import { ACTIONS } from '../domain/actions.ts';
import { androidSignScript } from '../domain/android-sign.ts';
import type { BuildType } from '../domain/build.ts';
import { isRepositoryPath } from '../domain/job-parameters.ts';
import { isCommitId } from '../domain/job-config.ts';
import { isValidRefName } from '../domain/ref-name.ts';
import { ignoreFailFlag } from '../domain/step-spec.ts';
import { sameRepository } from '../domain/scm.ts';
import { maskUrlCredentials } from '../domain/url-credentials.ts';
import type { StepSpec } from '../domain/job-config.ts';
import {
  mavenPublicRepositories,
  mavenSettingsXml,
  testReportInputs,
  type ReportInputs,
  uploadInputs,
  uploadProblem,
  type UploadInputs,
} from '../domain/tool-inputs.ts';
import {
  describeRequirement,
  inputRequirements,
  parseImage,
  TOOL_LABELS,
  unmetRequirements,
  type RunnerTools,
  type UnmetRequirement,
} from '../domain/tools.ts';

/**
 * What the runner does for one step: run a script (a command action, after checking that the tool
 * it needs is on the build's PATH: `missing` is printed when it is not), or end the step at once with a line saying why (the job's own
 * checkout, already done; an action this server cannot carry out; a module it does not know; an
 * image, or gradle and jdk inputs, whose tools the runner does not have). A script step may come with lines for the log
 * (`notes`: what its image means here), a Maven settings.xml for the build's HOME, and the glob
 * of the JUnit (and coverage) reports to read after it.
 */
/** A build.yml `checkout` of another repository, or of the job's into a sub-directory. */
export interface CheckoutWork {
  url: string;
  /** Where in the workspace (a relative path). */
  dir: string;
  kind: BuildType;
  /** The branch or tag ('' for the repository's default branch). */
  ref: string;
  commit: string;
  lfs: boolean;
  submodules: boolean;
}

export type StepWork =
  | { checkout: CheckoutWork }
  | { upload: UploadInputs }
  | { download: { url: string } }
  | { file: { name: string } }
  | {
      script: string;
      tool?: string;
      missing?: string;
      notes?: string[];
      mavenSettings?: string;
      reports?: ReportInputs;
    }
  | { ok: boolean; message: string };

/** The action of a step; plans stored before actions existed ran kiln.shell steps only. */
export function actionOf(step: StepSpec): string {
  return step.action ?? (step.moduleId === 'kiln.shell' ? 'sh' : '');
}

/**
 * True when the step's image or version inputs name tools to check (the runner must have looked
 * for them first).
 */
export function needsTools(step: StepSpec): boolean {
  return (
    parseImage(step.image).kind === 'tools' ||
    inputRequirements(actionOf(step), step.inputs).requirements.length > 0
  );
}

/** What the build checked out of the job's repository into the workspace, before its first step. */
export interface JobCheckout {
  url: string;
  /** The branch or tag built (the branch of a commit build). */
  ref: string;
  commit: string;
  lfs: boolean;
  submodules: boolean;
}

export function stepWork(
  step: StepSpec,
  job: JobCheckout | undefined,
  runner: string,
  tools: RunnerTools = {},
): StepWork {
  const keyword = actionOf(step);
  const kind = ACTIONS[keyword];
  if (!kind)
    return {
      ok: false,
      message: `step "${step.name}" uses module "${step.moduleId}", which Kiln does not know`,
    };
  if (kind.run === 'unavailable')
    return { ok: false, message: `step "${step.name}" (${keyword}): ${kind.unavailable}` };
  if (kind.run === 'checkout') return checkoutWork(step, job);
  if (kind.run === 'upload') return uploadWork(step);
  if (kind.run === 'download') {
    const url = input(step, 'url');
    return url === ''
      ? { ok: false, message: `step "${step.name}": download_artifact needs a url (an artifact's uri)` }
      : { download: { url } };
  }
  if (kind.run === 'file') {
    const name = input(step, 'name');
    return name === ''
      ? { ok: false, message: `step "${step.name}": download_file needs a name (a file of the file manager)` }
      : { file: { name } };
  }
  const image = imageCheck(step, keyword, runner, tools);
  if ('message' in image) return { ok: false, message: image.message };
  const versions = versionInputsCheck(step, keyword, runner, tools);
  if ('message' in versions) return { ok: false, message: versions.message };
  const notes = [...image.notes, ...versions.notes];
  const repositories = mavenPublicRepositories(step);
  const reports = testReportInputs(step);
  const extras = {
    ...(notes.length > 0 && { notes }),
    ...(repositories.length > 0 && { mavenSettings: mavenSettingsXml(repositories) }),
    ...(reports !== undefined && { reports }),
  };
  let script = `${step.command}\n`;
  if (step.command.trim() === '' && kind.withoutCommand) {
    const how = kind.withoutCommand;
    if (how !== 'apksigner')
      return { ok: false, message: `step "${step.name}" (${keyword}): ${how.unsupported}` };
    const signing = androidSignScript(step.inputs ?? {});
    if ('missing' in signing)
      return {
        ok: false,
        message: `step "${step.name}" (${keyword}) needs inputs ${signing.missing.join(', ')}`,
      };
    script = signing.script;
  }
  if (!kind.tool) return { script, ...extras };
  return {
    script,
    tool: kind.tool,
    missing: `[kiln] step "${step.name}" (${keyword}) needs ${kind.tool}, which runner ${runner} does not have on the build's PATH`,
    ...extras,
  };
}

/**
 * What the step's image means on this runner: lines for the log, or why the step cannot run
 * (a tool the image names is missing or has another major version).
 */
function imageCheck(
  step: StepSpec,
  keyword: string,
  runner: string,
  tools: RunnerTools,
): { notes: string[] } | { message: string } {
  const demand = parseImage(step.image);
  if (demand.kind === 'none') return { notes: [] };
  if (demand.kind === 'reference') {
    const how =
      keyword === 'swr'
        ? 'its command runs on the runner, which needs docker for it'
        : "the step runs with the runner's own tools";
    return { notes: [`image ${demand.reference}: Kiln pulls no images; ${how}`] };
  }
  const unmet = unmetRequirements(demand.requirements, tools);
  if (unmet.length > 0)
    return {
      message: `step "${step.name}" (${keyword}): image ${step.image} needs ${unmet.map((u) => unmetText(u, runner)).join('; ')}`,
    };
  const met = demand.requirements.map(
    (r) => `${TOOL_LABELS[r.tool]} ${tools[r.tool] || '(version unknown)'}`,
  );
  const unchecked = demand.unchecked.length > 0 ? `; not checked: ${demand.unchecked.join(', ')}` : '';
  return {
    notes: [
      `image ${step.image}: runner ${runner} has ${met.length > 0 ? met.join(', ') : 'no tool this tag names'}${unchecked}`,
    ],
  };
}

/**
 * What a gradle or android step's version inputs (`gradle: 7.6`, `jdk: 17`) mean on this runner:
 * the same check as an image's tag, so a file written for CodeArts' Gradle 7 on JDK 17 does not
 * run with another major version without a word.
 */
function versionInputsCheck(
  step: StepSpec,
  keyword: string,
  runner: string,
  tools: RunnerTools,
): { notes: string[] } | { message: string } {
  const { requirements, unchecked } = inputRequirements(keyword, step.inputs);
  if (requirements.length === 0 && unchecked.length === 0) return { notes: [] };
  const asked = [...requirements.map((r) => `${r.tool} ${r.version}`), ...unchecked].join(', ');
  const unmet = unmetRequirements(requirements, tools);
  if (unmet.length > 0)
    return {
      message: `step "${step.name}" (${keyword}): inputs ${asked} need ${unmet.map((u) => unmetText(u, runner)).join('; ')}`,
    };
  const met = requirements.map((r) => `${TOOL_LABELS[r.tool]} ${tools[r.tool] || '(version unknown)'}`);
  const rest = unchecked.length > 0 ? `; not checked: ${unchecked.join(', ')}` : '';
  return {
    notes: [
      `inputs ${asked}: runner ${runner} has ${met.length > 0 ? met.join(', ') : 'no tool they name'}${rest}`,
    ],
  };
}

/** "JDK 8, but runner r1 has JDK 17.0.15 (another major version)" / "Maven 3.5.3, but runner r1 has no Maven". */
function unmetText(u: UnmetRequirement, runner: string): string {
  const label = TOOL_LABELS[u.requirement.tool];
  const asked = u.requirement.version ? `${label} ${u.requirement.version}` : label;
  return u.has === undefined
    ? `${asked}, but runner ${runner} has no ${label}`
    : `${asked}, but runner ${runner} has ${label} ${u.has} (another major version than ${describeRequirement(u.requirement)})`;
}

const input = (step: StepSpec, name: string): string => {
  const value = step.inputs?.[name];
  return typeof value === 'string' ? value.trim() : '';
};

/** A checkout's `lfs` and `submodule`: true or false in any case (as ignore_fail), absent false. */
const CHECKOUT_FLAGS = ['lfs', 'submodule'] as const;
// A boolean too, as a graphical step's JSON gives it (`lfs: true` was read as false).
const flag = (step: StepSpec, name: (typeof CHECKOUT_FLAGS)[number]): boolean =>
  ignoreFailFlag(step.inputs?.[name]) === true;

/**
 * A `checkout` action (spec §3.3): the job's repository is checked out before the first step, so
 * an action naming it (or no URL) without a path only reports that, and fails when it asks for
 * another commit, tag or branch, or for LFS files or submodules the job does not fetch (rather than
 * build something else than asked without a word). Another repository, or a path,
 * is checked out through the runner's mirror like the job's: `commit` over `tag` over `branch`
 * (none: the default branch), `submodule` and `lfs` as asked. `depth` is not needed: the clone
 * borrows the mirror's history, which costs nothing.
 */
function checkoutWork(step: StepSpec, job: JobCheckout | undefined): StepWork {
  const url = input(step, 'url') || job?.url || '';
  const dir = input(step, 'path');
  const fail = (why: string): StepWork => ({ ok: false, message: `step "${step.name}": ${why}` });
  if (url === '') return fail('the job has no repository; give the checkout a url');
  for (const name of CHECKOUT_FLAGS) {
    const text = input(step, name);
    // Anything else would be read as false without a word (`submodule: yes`).
    if (text !== '' && ignoreFailFlag(text) === undefined)
      return fail(`${name} is "${text}": write true or false`);
  }
  // The job's repository however the file names it (CodeArts' examples give its SSH clone URL).
  if (job && sameRepository(url, job.url) && dir === '') {
    const unlike = unlikeJobCheckout(step, job);
    if (unlike) return fail(unlike);
    const branch = input(step, 'branch');
    // Spec §3.3: the branch chosen at run time wins over the action's (CodeArts' examples write a
    // literal `branch: master`); said, so nobody wonders which was built.
    const won =
      branch !== '' && branch !== job.ref && input(step, 'commit') === '' && input(step, 'tag') === ''
        ? `; it asks for branch ${branch}, and the build's branch ${job.ref}, chosen at run time, wins`
        : '';
    return {
      ok: true,
      message: `step "${step.name}": the job's repository is checked out in the workspace${won}`,
    };
  }
  if (dir === '')
    return fail(
      `a checkout of ${maskUrlCredentials(url)} needs a path: the workspace holds the job's repository`,
    );
  if (!isRepositoryPath(dir))
    return fail(`path "${dir}" is not a directory inside the workspace (relative, without ..)`);
  const commit = input(step, 'commit');
  const tag = input(step, 'tag');
  const branch = input(step, 'branch');
  if (commit !== '' && !isCommitId(commit)) return fail(`commit "${commit}" is not a commit id`);
  for (const [what, ref] of [
    ['tag', tag],
    ['branch', branch],
  ] as const)
    if (ref !== '' && !isValidRefName(ref)) return fail(`${what} "${ref}" is not a valid ${what} name`);
  return {
    checkout: {
      url,
      dir,
      kind: commit ? 'commit' : tag ? 'tag' : 'branch',
      ref: commit ? '' : tag || branch,
      commit,
      lfs: flag(step, 'lfs'),
      submodules: flag(step, 'submodule'),
    },
  };
}

/**
 * How a checkout of the job's repository into the workspace asks for other than the build checked
 * out (commit over tag, as the action reads them), or undefined when it does not. Not its branch:
 * the branch chosen at run time wins (spec §3.3), and checkoutWork says so.
 */
function unlikeJobCheckout(step: StepSpec, job: JobCheckout): string | undefined {
  const commit = input(step, 'commit').toLowerCase();
  const tag = input(step, 'tag');
  const held = `the workspace holds the job's repository at ${job.commit.slice(0, 12)} (${job.ref})`;
  const elsewhere = 'build the job with it (RunJob scm), or check it out into a path';
  if (commit !== '' && !job.commit.startsWith(commit)) return `commit ${commit}: ${held}; ${elsewhere}`;
  if (commit === '' && tag !== '' && tag !== job.ref) return `tag ${tag}: ${held}; ${elsewhere}`;
  if (flag(step, 'lfs') && !job.lfs)
    return 'asks for Git LFS files, which the job does not fetch: turn on its scms[0].enable_git_lfs';
  if (flag(step, 'submodule') && !job.submodules)
    return 'asks for submodules, which the job does not check out: set its auto_update_sub_module to "true"';
  return undefined;
}

/** An upload_artifact step: its glob, and the version and name checked before any file is read. */
function uploadWork(step: StepSpec): StepWork {
  const upload = uploadInputs(step);
  const fail = (why: string): StepWork => ({ ok: false, message: `step "${step.name}": ${why}` });
  const problem = uploadProblem(upload);
  if (problem) return fail(problem);
  return { upload };
}
