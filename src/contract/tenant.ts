import { Type } from 'typebox';
import { Id32 } from './common.ts';

/**
 * The tenant operations (reference A.10), answered for a self-hosted server: no billing, no
 * package, no quota. Each field says what is true of Kiln.
 */

/** ShowUserChargeType answer. */
export const ChargeType = Type.Object({
  result: Type.Object({
    type: Type.String({ description: 'Kiln: "SELF_HOSTED"' }),
    charge_type: Type.String({ description: 'Kiln: "NONE" (nothing is charged)' }),
    main_resource_list: Type.Array(
      Type.Object({
        status: Type.String(),
        service_type: Type.String(),
        resource_type: Type.String(),
        resource_spec_code: Type.String(),
      }),
      { description: 'Kiln: empty (no purchased resources)' },
    ),
  }),
  error: Type.Null(),
  status: Type.String(),
});

/** ShowDomainStatus answer. */
export const DomainStatus = Type.Object({
  result: Type.Object({
    status: Type.Number({ description: '1: the domain is in service' }),
    free_quota: Type.Boolean({ description: 'Kiln: false (no free quota, no quota at all)' }),
    allow_custom_env: Type.Number({ description: '1: builds run on runners the domain provides' }),
  }),
  error: Type.Null(),
  status: Type.String(),
});

/** ShowDomainsStatuses body. */
export const DomainIdsBody = Type.Object({
  domain_ids: Type.Optional(
    Type.String({ maxLength: 4096, description: "Comma-separated domain ids; absent: the caller's domain" }),
  ),
});

/** ShowDomainsStatuses answer. */
export const DomainStatuses = Type.Object({
  result: Type.Array(
    Type.Object({
      service_name: Type.String({ description: '"Kiln"' }),
      domain_id: Type.String(),
      domain_name: Type.String(),
      free_quota: Type.Boolean(),
      free_package_quota: Type.Boolean(),
      status: Type.Integer({ description: '1: in service' }),
      is_federation: Type.Integer({ description: '0: Kiln has no federated sign-in' }),
      is_whitelist: Type.Integer(),
      region: Type.String({ description: "The caller's IAM project (region)" }),
      package_type: Type.String({ description: '"SELF_HOSTED"' }),
      domain_type: Type.Integer(),
      domain_business_type: Type.String({ description: '"NORMAL"' }),
      domain_malicious_docker_args: Type.Null(),
      allow_custom_env: Type.Integer(),
      spec_threshold: Type.String({ description: '"[]": no build specs are limited' }),
    }),
  ),
  error: Type.Null(),
  status: Type.String(),
});

/** ShowUserOverPackageQuota query. */
export const ProjectQuery = Type.Object({ project_id: Id32('CodeArts project id') });

/** ShowUserOverPackageQuota answer. */
export const PackageQuota = Type.Object({
  result: Type.Object({
    is_over_quota: Type.Boolean({ description: 'Kiln: false (no build quota)' }),
    build_quota: Type.String({ description: 'Kiln: "unlimit"' }),
    used_quota: Type.String({ description: "Kiln: '' (no quota to use up)" }),
  }),
  error: Type.Null(),
  status: Type.String(),
});

/** ShowProjectPermission answer: what the caller's role allows in the project. */
export const ProjectPermission = Type.Object({
  result: Type.Object({
    project_id: Type.String(),
    create_permission: Type.Boolean({ description: 'Create jobs' }),
    modify_permission: Type.Boolean(),
    group_permission: Type.Boolean({ description: "Arrange the project's job groups" }),
    delete_permission: Type.Boolean(),
    view_permission: Type.Boolean(),
    execute_permission: Type.Boolean(),
    copy_permission: Type.Boolean(),
    forbidden_permission: Type.Boolean(),
    manager_permission: Type.Boolean(),
    role_id: Type.String({ description: '-1 owner, 4 developer, 7 viewer' }),
    role_name: Type.String(),
    role_ids: Type.Array(Type.String()),
    role_names: Type.Array(Type.String()),
  }),
  error: Type.Null(),
  status: Type.String(),
});

/** ShowAvailableInnerSpec query. */
export const SpecQuery = Type.Object({
  project_id: Id32('CodeArts project id'),
  arch: Type.String({ pattern: '^(x86-64|arm)$', 'x-kiln-format': 'x86-64 or arm' }),
});

/** ShowAvailableInnerSpec answer: DEFAULT and the runner pools of the arch; empty when no runner has it. */
export const Specs = Type.Array(Type.String());

/** ShowPackageSpecCountDown body. */
export const CountdownBody = Type.Object({
  service_type: Type.String({ maxLength: 64 }),
  resource_id: Type.String({ maxLength: 64 }),
  reminder_day: Type.String({ maxLength: 16 }),
});

const Tips = Type.Object({
  status: Type.Integer(),
  next_action: Type.Integer(),
  next_action_remain_day: Type.Integer(),
  next_action_url: Type.String(),
});

/** ShowPackageSpecCountDown answer: the packages about to expire (Kiln sells none: always empty). */
export const Countdown = Type.Object({
  status: Type.String(),
  error: Type.Null(),
  result: Type.Array(
    Type.Object({
      service_type: Type.String(),
      resource_id: Type.String(),
      resource_name: Type.String(),
      resource_type: Type.String(),
      resource_spec_code: Type.String(),
      tips: Type.Object({ summary: Tips }),
    }),
  ),
});

/** ShowImageTemplateList answer: one template per place (arch and pool) of the enabled runners. */
export const ImageTemplates = Type.Object({
  result: Type.Object({
    image_templates: Type.Array(
      Type.Object({
        image_id: Type.String({ description: "The runner (remote:<id>, or a server's own local:<name>)" }),
        organization: Type.String({ description: '"kiln"' }),
        image_name: Type.String({ description: "The runner's host" }),
        image_label: Type.String({ description: 'Its arch and pool' }),
        base_image: Type.String({ description: "'': runners are machines, not images" }),
        title: Type.String(),
        description: Type.String({ description: 'The tools found there, with their versions' }),
        create_time: Type.String({ description: 'When a runner there last announced its tools' }),
      }),
    ),
  }),
  error: Type.Null(),
  status: Type.String(),
});

/** ShowSummaryBuildJobInfo answer: the jobs the caller may view in their domain. */
export const JobSummaryInfo = Type.Object({
  status: Type.String(),
  error: Type.Null(),
  result: Type.Object({
    summary: Type.Object({
      avg_success_ratio: Type.Integer({
        description:
          "Percent of the last 30 days' builds with an outcome (SUCCESS, FAILURE, timeout) that succeeded",
      }),
      build_no: Type.Integer({ description: 'Builds the jobs have' }),
      job_total: Type.Integer({ description: 'Live jobs the caller may view in their domain' }),
      version_total: Type.String({ description: 'Artifacts (versions) their builds keep' }),
    }),
  }),
});

/** ShowDockerfileTemplate query: an environment ShowImageTemplateList names. */
export const DockerfileQuery = Type.Object({
  image_id: Type.String({ minLength: 1, maxLength: 256, description: "ShowImageTemplateList's image_id" }),
});
