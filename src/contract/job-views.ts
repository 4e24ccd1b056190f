import { Type } from 'typebox';
import { Envelope, WireInt } from './common.ts';

/** Views of a job made for other tools (reference Appendix A.4 and A.8). */

/** ShowJobStepStatus query. */
export const StepStatusQuery = Type.Object({
  build_no: Type.Optional(
    WireInt({
      minimum: 1,
      maximum: 2147483647,
      description: "Build number; the job's latest build when absent",
    }),
  ),
});

/** ShowJobStepStatus answer (JobStatusBody). */
export const StepStatusResult = Envelope(
  Type.Object({
    status: Type.String({
      description: 'The build status: QUEUED, RUNNING, SUCCESS, FAILURE, timeout, ABORTED',
    }),
    abort_status: Type.String({
      description: 'ABORTING once a stop is asked, ABORTED once stopped, else ""',
    }),
    label: Type.String({ description: 'The step running now, or the last one that ran; "" before any' }),
  }),
);

/** ShowJobPipelineInfo query (both accepted and ignored). */
export const PipelineInfoQuery = Type.Object({
  all: Type.Optional(Type.String({ maxLength: 16 })),
  check_param_used: Type.Optional(Type.String({ maxLength: 16 })),
});

/** ShowJobPipelineInfo answer (JobPipelineInfoItems). */
export const PipelineInfoResult = Envelope(
  Type.Object({
    scms: Type.Array(
      Type.Object({
        branch: Type.String(),
        url: Type.String({ description: 'Without credentials' }),
        repo_id: Type.String(),
        web_url: Type.String(),
        scm_type: Type.String(),
        is_auto_build: Type.Boolean(),
        enable_git_lfs: Type.Boolean(),
        build_type: Type.String(),
        depth: Type.String(),
        end_point_id: Type.String(),
        source: Type.String(),
        group_name: Type.String(),
        repo_name: Type.String(),
      }),
    ),
    parameters: Type.Array(
      Type.Object({
        region: Type.String(),
        language: Type.String(),
        name: Type.String({ description: 'The parameter definition class' }),
        params: Type.Array(Type.Object({ name: Type.String(), value: Type.String() })),
      }),
    ),
    job_name: Type.String(),
    job_name_massage: Type.String({ description: '(sic) what a job name may be' }),
    job_name_regex: Type.String(),
    source_code: Type.String(),
  }),
);

/** ShowYamlTemplate query. */
export const YamlTemplateQuery = Type.Object({
  default_host: Type.Optional(Type.String({ maxLength: 1000, description: 'Accepted and ignored' })),
});

/** ShowJobSystemParameters answer. */
export const SystemParametersResult = Envelope(
  Type.Array(Type.Object({ id: Type.Integer(), parameter_name: Type.String(), description: Type.String() })),
);

/** ShowDefaultBuildParameters answer. */
export const DefaultParameters = Type.Object({
  result: Type.Array(
    Type.Object({
      name: Type.String({ description: 'Definition class' }),
      params: Type.Array(Type.Object({ name: Type.String(), value: Type.String() })),
    }),
  ),
  status: Type.String(),
});

/** ShowBuildParamsList answer: the parameter kinds a job may define, with their fields and checks. */
export const BuildParamsList = Envelope(
  Type.Object({
    build_parameters: Type.Array(
      Type.Object({
        name: Type.String({ description: 'Definition class' }),
        title: Type.String(),
        params: Type.Array(
          Type.Object({
            name: Type.String(),
            title: Type.String(),
            type: Type.String({ description: 'text, textarea, boolean or list' }),
            required: Type.Boolean(),
            constraints: Type.Array(
              Type.Object({
                errormsg: Type.String(),
                type: Type.String({ description: 'maxLen, minLen or regex' }),
                value: Type.String(),
              }),
            ),
            deletion: Type.Boolean(),
            defaults: Type.Boolean(),
          }),
        ),
      }),
    ),
  }),
);
