import { dockerfileTemplate } from '../../domain/dockerfile-template.ts';
import { AppError } from '../../domain/errors.ts';
import type { HandlerGroup, RouteDeps } from './deps.ts';

type TenantOps =
  | 'showUserChargeType'
  | 'showDomainStatus'
  | 'showDomainsStatuses'
  | 'showUserOverPackageQuota'
  | 'showAvailableInnerSpec'
  | 'showPackageSpecCountDown'
  | 'showImageTemplateList'
  | 'showDockerfileTemplate'
  | 'showSummaryBuildJobInfo';

/**
 * The tenant operations, answered for what a self-hosted server is: in service, nothing charged,
 * no package and no quota, builds on the runners the domain provides.
 */
export function tenantHandlers(deps: RouteDeps): HandlerGroup<TenantOps> {
  const { directory, runners, jobs } = deps.engine;
  return {
    async showUserChargeType() {
      return {
        result: { type: 'SELF_HOSTED', charge_type: 'NONE', main_resource_list: [] },
        error: null,
        status: 'success',
      };
    },
    async showDomainStatus({ caller }) {
      await directory.ownDomain(caller);
      return {
        result: { status: 1, free_quota: false, allow_custom_env: 1 },
        error: null,
        status: 'success',
      };
    },
    async showDomainsStatuses({ caller, body }) {
      const region = await directory.regionOf(caller);
      const domains = await directory.visibleDomains(caller, body.domain_ids);
      return {
        result: domains.map((d) => ({
          service_name: 'Kiln',
          domain_id: d.id,
          domain_name: d.name,
          free_quota: false,
          free_package_quota: false,
          status: 1,
          is_federation: 0,
          is_whitelist: 0,
          region,
          package_type: 'SELF_HOSTED',
          domain_type: 1,
          domain_business_type: 'NORMAL',
          domain_malicious_docker_args: null,
          allow_custom_env: 1,
          spec_threshold: '[]',
        })),
        error: null,
        status: 'success',
      };
    },
    // A self-hosted server sells no packages: none ever expires.
    showPackageSpecCountDown: async () => ({ status: 'success', error: null, result: [] }),
    async showSummaryBuildJobInfo({ caller }) {
      const s = await jobs.domainSummary(caller);
      return {
        status: 'success',
        error: null,
        result: {
          summary: {
            avg_success_ratio: s.successRatio,
            build_no: s.builds,
            job_total: s.jobs,
            version_total: String(s.artifacts),
          },
        },
      };
    },
    async showDockerfileTemplate({ query, reply }) {
      const places = await runners.environments();
      const place = places.find((p) => environmentLabel(p) === query.image_id);
      if (!place)
        throw new AppError(
          'NOT_FOUND',
          `no build environment ${query.image_id}: ShowImageTemplateList names them (${places.map(environmentLabel).join(', ') || 'none yet'})`,
        );
      return reply
        .header('content-type', 'application/octet-stream')
        .header('content-disposition', 'attachment; filename="Dockerfile"')
        .send(dockerfileTemplate(query.image_id, place.arch, place.tools));
    },
    async showImageTemplateList() {
      const places = await runners.environments();
      return {
        result: {
          image_templates: places.map((p) => {
            const label = environmentLabel(p);
            return {
              image_id: label,
              organization: 'kiln',
              image_name: label,
              image_label: label,
              base_image: '',
              title: `Runners: ${label}`,
              description: Object.entries(p.tools)
                .sort(([a], [b]) => a.localeCompare(b))
                .map(([tool, versions]) => `${tool} ${versions.join(' | ')}`)
                .join(', '),
              create_time: new Date(p.reportedAt).toISOString(),
            };
          }),
        },
        error: null,
        status: 'success',
      };
    },
    showAvailableInnerSpec: ({ caller, query }) => runners.specs(caller, query.project_id, query.arch),
    async showUserOverPackageQuota({ caller, query }) {
      await directory.requireVisibleProject(caller, query.project_id);
      return {
        result: { is_over_quota: false, build_quota: 'unlimit', used_quota: '' },
        error: null,
        status: 'success',
      };
    },
  };
}

/** How ShowImageTemplateList names an environment (its image_id): `arch/pool`, or `any`. */
function environmentLabel(p: { arch: string; pool: string }): string {
  return [p.arch, p.pool].filter((v) => v !== '').join('/') || 'any';
}
