import { ACTIONS } from '../domain/actions.ts';
import type { StepSpec } from '../domain/job-config.ts';

/**
 * What the runner does for one step: run a script (a command action, after checking that the tool
 * it needs is on the build's PATH: `missing` is printed when it is not), or end the step at once with a line saying why (the job's own
 * checkout, already done; an action this server cannot carry out; a module it does not know).
 */
export type StepWork = { script: string; tool?: string; missing?: string } | { ok: boolean; message: string };

/** The action of a step; plans stored before actions existed ran kiln.shell steps only. */
export function actionOf(step: StepSpec): string {
  return step.action ?? (step.moduleId === 'kiln.shell' ? 'sh' : '');
}

export function stepWork(step: StepSpec, jobRepository: string | undefined, runner: string): StepWork {
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
  if (!kind.tool) return { script: `${step.command}\n` };
  return {
    script: `${step.command}\n`,
    tool: kind.tool,
    missing: `[kiln] step "${step.name}" (${keyword}) needs ${kind.tool}, which runner ${runner} does not have on the build's PATH`,
  };
}
