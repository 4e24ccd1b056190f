import { renderBuildYaml, shellTemplate } from '../../domain/build-yaml-render.ts';
import { toJobSpec } from '../../domain/job-config.ts';
import {
  PREDEFINED_PARAMETER_DESCRIPTIONS,
  PREDEFINED_PARAMETERS,
} from '../../domain/predefined-parameters.ts';
import { DEFAULT_PARAMETERS, PARAMETER_KINDS } from '../../domain/parameter-kinds.ts';
import { toPipelineInfo } from '../mappers/job-view.mapper.ts';
import { toJobSchedules } from '../mappers/schedule.mapper.ts';
import type { HandlerGroup, RouteDeps } from './deps.ts';
import { ok } from './deps.ts';

type JobViewOps =
  | 'showJobPipelineInfo'
  | 'showYamlTemplate'
  | 'showJobSystemParameters'
  | 'showBuildParamsList'
  | 'showDefaultBuildParameters'
  | 'listJobSchedules';

/**
 * A job as other tools read it: pipeline info, a default build.yml, its schedules' next times, the
 * predefined parameters, the parameter kinds.
 */
export function jobViewHandlers(deps: RouteDeps): HandlerGroup<JobViewOps> {
  const { jobs } = deps.engine;
  return {
    async showJobPipelineInfo({ caller, params }) {
      return ok(toPipelineInfo((await jobs.maskedDocument(caller, params.job_id)).config));
    },
    async showYamlTemplate({ caller, params }) {
      const spec = toJobSpec((await jobs.maskedDocument(caller, params.job_id)).config);
      // A code-based job's steps are in its repository, not in the job: it gets the starter file.
      const steps = spec.configType === 'YAML' ? [] : spec.steps.filter((s) => s.enabled);
      return ok(steps.length > 0 ? renderBuildYaml(steps) : shellTemplate());
    },
    async listJobSchedules({ caller, params }) {
      const { job, timers } = await jobs.schedules(caller, params.job_id);
      return ok(toJobSchedules(job.disabled, timers));
    },
    async showDefaultBuildParameters() {
      return { result: DEFAULT_PARAMETERS, status: 'success' };
    },
    async showBuildParamsList() {
      return ok({ build_parameters: PARAMETER_KINDS });
    },
    async showJobSystemParameters() {
      return ok(
        PREDEFINED_PARAMETERS.map((name, i) => ({
          id: i + 1,
          parameter_name: name,
          description: PREDEFINED_PARAMETER_DESCRIPTIONS[name],
        })),
      );
    },
  };
}
