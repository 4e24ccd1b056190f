import type { JobConfig } from '../../domain/job-document.ts';
import { STRING_PARAMETER } from '../../domain/job-parameters.ts';

/** What ShowJobPipelineInfo says a job name may be (checkJobConfig's rules). */
const JOB_NAME_RULES =
  'Enter 1 to 128 characters. Control characters and slashes (/ and \\) are not allowed.';

/**
 * ShowJobPipelineInfo's result from a job document whose secrets are masked (sensitive defaults
 * `******`, repository URLs without credentials). Absent scm fields are their CodeArts defaults.
 */
export function toPipelineInfo(config: JobConfig) {
  return {
    scms: (config.scms ?? []).map((s) => ({
      branch: s.branch ?? '',
      url: s.url,
      repo_id: s.repo_id ?? '',
      web_url: s.web_url ?? '',
      scm_type: s.scm_type,
      is_auto_build: s.is_auto_build ?? false,
      enable_git_lfs: s.enable_git_lfs ?? false,
      build_type: s.build_type ?? 'branch',
      depth: s.depth ?? '',
      end_point_id: s.end_point_id ?? '',
      source: s.source ?? '',
      group_name: s.group_name ?? '',
      repo_name: s.repo_name ?? '',
    })),
    parameters: (config.parameters ?? []).map((p) => ({
      region: '',
      language: '',
      name: p.name ?? STRING_PARAMETER,
      params: (p.params ?? []).map((item) => ({ name: item.name ?? '', value: item.value ?? '' })),
    })),
    job_name: config.job_name,
    job_name_massage: JOB_NAME_RULES,
    job_name_regex: '',
    source_code: 'kiln',
  };
}
