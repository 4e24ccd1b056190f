import type { BuildParameter } from '../domain/build.ts';
import { BuildYamlError, parseBuildYaml } from '../domain/build-yaml.ts';
import { yamlReader } from '../domain/yaml-reader.ts';
import type { StepSpec } from '../domain/job-config.ts';
import {
  resourceNeeds,
  resourceProblem,
  type RunnerPlace,
  type RunnerTraits,
} from '../domain/resource-match.ts';
import { planYamlBuild, settable } from '../domain/yaml-plan.ts';
import { parseBuildFlow, selectFlow, type BuildFlowFile } from '../domain/build-flow.ts';
import type { FlowReport } from '../protocol/runner-protocol.ts';
import { readBuildYamlFile } from './build-yaml-file.ts';

/** A code-based build's steps and parameters, read from the build.yml of its checked-out commit. */
export type YamlSteps =
  | { steps: StepSpec[]; parameters: Map<string, string>; script: { path: string; text: string } }
  | { error: string; steps?: StepSpec[]; script: { path: string; text: string } }
  /** Another runner could run it: what it needs, and why this runner cannot. */
  | { elsewhere: { needs: RunnerPlace; reason: string }; script: { path: string; text: string } }
  /** A BuildFlow: its jobs run as builds of their own. */
  | { flow: FlowReport; script: { path: string; text: string } };

export function buildYamlSteps(
  workspace: string,
  path: string,
  parameters: readonly BuildParameter[],
  predefined: Readonly<Record<string, string>>,
  runner: RunnerTraits,
  inherited: readonly { name: string; value: string }[] = [],
): YamlSteps {
  const file = readBuildYamlFile(workspace, path);
  if ('error' in file) return { error: file.error, script: { path, text: '' } };
  const script = { path, text: file.text };
  try {
    const reader = yamlReader(file.text, path);
    const flowFile = parseBuildFlow(reader, path);
    if (flowFile) return { flow: flowOf(workspace, flowFile, path, parameters, predefined), script };
    const planned = planYamlBuild(parseBuildYaml(reader, path), parameters, predefined, path, inherited);
    const problem = resourceProblem(planned.resource, runner);
    const needs = resourceNeeds(planned.resource);
    if (problem && needs) return { elsewhere: { needs, reason: `${path}: ${problem}` }, script };
    // The steps are still reported: the record shows what the file asked for.
    if (problem) return { error: `${path}: ${problem}`, steps: planned.steps, script };
    return { steps: planned.steps, parameters: planned.parameters, script };
  } catch (error) {
    if (error instanceof BuildYamlError) return { error: error.message, script };
    throw error;
  }
}

/**
 * The flow to run, each job's file checked before any job starts: it must be in the commit and be
 * a single-job build.yml. A job's inputs go over the flow file's params.
 */
function flowOf(
  workspace: string,
  file: BuildFlowFile,
  path: string,
  parameters: readonly BuildParameter[],
  predefined: Readonly<Record<string, string>>,
): FlowReport {
  const known = new Map<string, string>();
  for (const p of file.params) known.set(p.name, p.value);
  for (const p of settable(
    parameters,
    file.params.map((d) => d.name),
  ))
    known.set(p.name, p.value);
  for (const [name, value] of Object.entries(predefined)) known.set(name, value);
  const flow = selectFlow(file, (name) => known.get(name), path);
  // Each file once: jobs of a flow may share one.
  const checked = new Set<string>();
  for (const job of flow.jobs) {
    if (checked.has(job.buildRef)) continue;
    checked.add(job.buildRef);
    const child = readBuildYamlFile(workspace, job.buildRef);
    if ('error' in child) throw new BuildYamlError(`${path}: job ${job.name}: ${child.error}`);
    parseBuildYaml(child.text, job.buildRef);
  }
  return {
    strategy: flow.strategy,
    jobs: flow.jobs.map((job) => ({ ...job, params: overlay(file.params, job.params) })),
  };
}

/** `over` on top of `under`, by name. */
function overlay(
  under: readonly { name: string; value: string }[],
  over: readonly { name: string; value: string }[],
): { name: string; value: string }[] {
  const merged = new Map(under.map((p) => [p.name, p.value]));
  for (const p of over) merged.set(p.name, p.value);
  return [...merged].map(([name, value]) => ({ name, value }));
}
