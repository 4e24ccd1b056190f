import { ACTIONS } from '../domain/actions.ts';
import type { StepSpec } from '../domain/job-config.ts';
import { mavenPublicRepositories, mavenSettingsXml, unitTestReportPath } from '../domain/tool-inputs.ts';
import {
  describeRequirement,
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
 * image whose tools the runner does not have). A script step may come with lines for the log
 * (`notes`: what its image means here), a Maven settings.xml for the build's HOME, and the glob
 * of the JUnit reports to sum up after it.
 */
export type StepWork =
  | { script: string; tool?: string; missing?: string; notes?: string[]; mavenSettings?: string; reports?: string }
  | { ok: boolean; message: string };

/** The action of a step; plans stored before actions existed ran kiln.shell steps only. */
export function actionOf(step: StepSpec): string {
  return step.action ?? (step.moduleId === 'kiln.shell' ? 'sh' : '');
}

/** True when the step's image names tools to check (the runner must have looked for them first). */
export function needsTools(step: StepSpec): boolean {
  return parseImage(step.image).kind === 'tools';
}

export function stepWork(
  step: StepSpec,
  jobRepository: string | undefined,
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
  if (kind.run === 'checkout') {
    const url = typeof step.inputs?.url === 'string' ? step.inputs.url : '';
    const path = typeof step.inputs?.path === 'string' ? step.inputs.path : '';
    if ((url === '' || url === jobRepository) && path === '')
      return {
        ok: true,
        message: `step "${step.name}": the job's repository is checked out in the workspace`,
      };
    return {
      ok: false,
      message: `step "${step.name}": Kiln checks out the job's own repository only; a checkout of ${url || 'it'}${path ? ` into ${path}` : ''} is not supported`,
    };
  }
  const image = imageCheck(step, keyword, runner, tools);
  if ('message' in image) return { ok: false, message: image.message };
  const repositories = mavenPublicRepositories(step);
  const reports = unitTestReportPath(step);
  const extras = {
    ...(image.notes.length > 0 && { notes: image.notes }),
    ...(repositories.length > 0 && { mavenSettings: mavenSettingsXml(repositories) }),
    ...(reports !== undefined && { reports }),
  };
  if (!kind.tool) return { script: `${step.command}\n`, ...extras };
  return {
    script: `${step.command}\n`,
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
        ? "its command runs on the runner, which needs docker for it"
        : "the step runs with the runner's own tools";
    return { notes: [`image ${demand.reference}: Kiln pulls no images; ${how}`] };
  }
  const unmet = unmetRequirements(demand.requirements, tools);
  if (unmet.length > 0)
    return {
      message: `step "${step.name}" (${keyword}): image ${step.image} needs ${unmet.map((u) => unmetText(u, runner)).join('; ')}`,
    };
  const met = demand.requirements.map((r) => `${TOOL_LABELS[r.tool]} ${tools[r.tool] || '(version unknown)'}`);
  const unchecked = demand.unchecked.length > 0 ? `; not checked: ${demand.unchecked.join(', ')}` : '';
  return {
    notes: [
      `image ${step.image}: runner ${runner} has ${met.length > 0 ? met.join(', ') : 'no tool this tag names'}${unchecked}`,
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
