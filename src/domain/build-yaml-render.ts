import { stringify } from 'yaml';
import { MODULE_ACTIONS } from './actions.ts';
import type { StepSpec } from './job-config.ts';

/**
 * Writes steps as a CodeArts build.yml (version 2.0, every step an action of the BUILD stage
 * under its keyword, with its name, image and inputs): the file a graphical build is equivalent
 * to (ShowBuildRecordBuildScript) and the default file of a job (ShowYamlTemplate). It is made
 * from what a step runs, never from parameter values, so no secret can reach it; parseBuildYaml
 * reads it back to the same actions. Disabled steps do not run and are left out.
 */
export function renderBuildYaml(steps: readonly StepSpec[]): string {
  const build = steps.filter((s) => s.enabled).map(actionOf);
  return stringify({ version: '2.0', steps: { BUILD: build } }, { lineWidth: 0 });
}

/** The file of a job that has nothing to render: one shell step. */
export function shellTemplate(): string {
  return renderBuildYaml([
    { name: 'Shell', moduleId: 'sh', action: 'sh', enabled: true, command: 'echo hello' },
  ]);
}

/**
 * One action. A graphical module Kiln does not know keeps its module id as the keyword: the file
 * then fails to run naming it, as the build did.
 */
function actionOf(step: StepSpec): Record<string, unknown> {
  const keyword = step.action || MODULE_ACTIONS[step.moduleId] || step.moduleId;
  const inputs: Record<string, unknown> = {
    ...(step.command !== '' && { command: step.command }),
    ...step.inputs,
    ...(step.ignoreFail && { ignore_fail: 'true' }),
    ...(step.ignoreFailAsWritten !== undefined && { ignore_fail: step.ignoreFailAsWritten }),
  };
  return {
    [keyword]: {
      name: step.name,
      ...(step.image !== undefined && { image: step.image }),
      ...(Object.keys(inputs).length > 0 && { inputs }),
    },
  };
}
