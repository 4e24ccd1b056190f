import type { BuildParameter } from '../domain/build.ts';
import { BuildYamlError, parseBuildYaml } from '../domain/build-yaml.ts';
import type { StepSpec } from '../domain/job-config.ts';
import {
  resourceNeeds,
  resourceProblem,
  type RunnerPlace,
  type RunnerTraits,
} from '../domain/resource-match.ts';
import { planYamlBuild } from '../domain/yaml-plan.ts';
import { readBuildYamlFile } from './build-yaml-file.ts';

/** A code-based build's steps and parameters, read from the build.yml of its checked-out commit. */
export type YamlSteps =
  | { steps: StepSpec[]; parameters: Map<string, string>; script: { path: string; text: string } }
  | { error: string; steps?: StepSpec[]; script: { path: string; text: string } }
  /** Another runner could run it: what it needs, and why this runner cannot. */
  | { elsewhere: { needs: RunnerPlace; reason: string }; script: { path: string; text: string } };

export function buildYamlSteps(
  workspace: string,
  path: string,
  parameters: readonly BuildParameter[],
  predefined: Readonly<Record<string, string>>,
  runner: RunnerTraits,
): YamlSteps {
  const file = readBuildYamlFile(workspace, path);
  if ('error' in file) return { error: file.error, script: { path, text: '' } };
  const script = { path, text: file.text };
  try {
    const planned = planYamlBuild(parseBuildYaml(file.text, path), parameters, predefined, path);
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
