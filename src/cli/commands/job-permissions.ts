import { InvalidArgumentError, type Command } from 'commander';
import {
  JOB_PERMISSIONS,
  PERMISSION_ROLES,
  permissionRoleOf,
  ROLE_IDS,
  type JobPermission,
  type PermissionRole,
} from '../../domain/job-permissions.ts';
import { parseJobId } from '../arguments.ts';
import { CliError, type CliContext } from '../context.ts';
import { outputOption } from '../options.ts';
import { writeRows, type OutputFormat } from '../output.ts';

/** One `--set ROLE=PERMISSION,...` (the permissions listed are granted, the others taken away). */
interface RowSetting {
  role: PermissionRole;
  granted: JobPermission[];
}

function parseSetting(text: string, previous: RowSetting[] = []): RowSetting[] {
  const [role, list = ''] = text.split('=', 2);
  if (!(PERMISSION_ROLES as readonly string[]).includes(role ?? ''))
    throw new InvalidArgumentError(`"${role}" is none of ${PERMISSION_ROLES.join(', ')}`);
  const granted = list === '' ? [] : list.split(',');
  const unknown = granted.filter((p) => !(JOB_PERMISSIONS as readonly string[]).includes(p));
  if (unknown.length > 0)
    throw new InvalidArgumentError(`${unknown.join(', ')}: permissions are ${JOB_PERMISSIONS.join(', ')}`);
  return [...previous, { role: role as PermissionRole, granted: granted as JobPermission[] }];
}

/** `kiln jobs permissions`: who may do what with a job, and changing it. */
export function registerJobPermissions(jobs: Command, ctx: CliContext): void {
  outputOption(
    jobs
      .command('permissions')
      .description(
        "Who may do what with a job (its project's permissions, or its own); with options, change them (those who manage the job's permissions: owners by default)",
      )
      .argument('<job>', 'job id (32 characters)', parseJobId)
      .option(
        '--set <role=permissions>',
        `give the job its own permissions: ROLE (${PERMISSION_ROLES.join(', ')}) may do exactly these (${JOB_PERMISSIONS.join(', ')}); repeatable`,
        parseSetting,
      )
      .option('--follow-project', "make the job follow its project's permissions again (its own are kept)")
      .option('--own', 'make the job follow its own permissions again'),
  ).action(
    async (
      job: string,
      opts: { set?: RowSetting[]; followProject?: boolean; own?: boolean; output: OutputFormat },
    ) => {
      const client = ctx.client();
      if (opts.followProject && (opts.own || opts.set))
        throw new CliError('--follow-project cannot go with --own or --set');
      if (opts.set) {
        await client.batchUpdateJobRolePermission({
          body: {
            job_ids: [job],
            permissions: opts.set.map((s) => ({
              role_id: ROLE_IDS[s.role],
              ...Object.fromEntries(JOB_PERMISSIONS.map((p) => [`is_${p}`, s.granted.includes(p)])),
            })),
          },
        });
      } else if (opts.followProject || opts.own) {
        await client.applyProjectPermission({
          body: { job_id: job, project_switch: opts.followProject === true },
        });
      }
      const [{ result: rows }, { result: info }] = await Promise.all([
        client.showJobRolePermission({ query: { job_id: job } }),
        client.showJobInfo({ params: { job_id: job } }),
      ]);
      const tick = (b: boolean) => (b ? 'yes' : '');
      writeRows<(typeof rows)[number]>(
        opts.output,
        [
          // The role as --set names it (`owner`, not the API's `project_admin`).
          { header: 'role', value: (r) => permissionRoleOf(r.role_id) ?? r.role_name },
          { header: 'view', value: (r) => tick(r.is_view) },
          { header: 'execute', value: (r) => tick(r.is_execute) },
          { header: 'modify', value: (r) => tick(r.is_modify) },
          { header: 'delete', value: (r) => tick(r.is_delete) },
          { header: 'copy', value: (r) => tick(r.is_copy) },
          { header: 'disable', value: (r) => tick(r.is_forbidden) },
          { header: 'manage', value: (r) => tick(r.is_manager) },
        ],
        rows,
        ctx.out,
      );
      if (opts.output === 'table')
        ctx.err(
          info.project_permission_switch
            ? "The job follows its project's permissions.\n"
            : 'The job follows its own permissions.\n',
        );
    },
  );
}
