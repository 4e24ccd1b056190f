import type { Command } from 'commander';
import {
  JOB_PERMISSIONS,
  PERMISSION_ROLES,
  permissionRoleOf,
  ROLE_IDS,
  type JobPermission,
  type PermissionRole,
} from '../../domain/job-permissions.ts';
import { parseJobId } from '../arguments.ts';
import { CliError, EXIT, type CliContext } from '../context.ts';
import { outputOption } from '../options.ts';
import { writeRows, type OutputFormat } from '../output.ts';

/** One `--set ROLE=PERMISSION,...` (the permissions listed are granted, the others taken away). */
interface RowSetting {
  role: PermissionRole;
  granted: JobPermission[];
}

/** The forms --set takes, said with every malformed one. */
const SET_FORMS = `write ROLE=PERMISSIONS: ROLE one of ${PERMISSION_ROLES.join(', ')}; PERMISSIONS comma-separated, of ${JOB_PERMISSIONS.join(', ')}; viewer= or viewer=none for no permissions`;

/**
 * Parses one --set. A malformed one is a CliError (one `kiln:` line, exit 2), not commander's
 * InvalidArgumentError, after which the program prints the command's whole help: the line that
 * says what was wrong and what to write would scroll away above it.
 */
function parseSetting(text: string, previous: RowSetting[] = []): RowSetting[] {
  const bad = (why: string) => new CliError(`--set ${text}: ${why} (${SET_FORMS})`, EXIT.usage);
  const eq = text.indexOf('=');
  // `--set viewer` would read as "no permissions": a missing `=` is a mistake, not a way to say so.
  if (eq < 0) throw bad('no "=" after the role');
  const role = text.slice(0, eq);
  const list = text.slice(eq + 1);
  if (!(PERMISSION_ROLES as readonly string[]).includes(role)) throw bad(`"${role}" is not a role`);
  const granted = list === '' || list === 'none' ? [] : list.split(',');
  if (granted.includes('none')) throw bad('none stands alone');
  const unknown = granted.filter((p) => !(JOB_PERMISSIONS as readonly string[]).includes(p));
  if (unknown.length > 0)
    throw bad(
      `${unknown.map((p) => `"${p}"`).join(', ')} ${unknown.length > 1 ? 'are not permissions' : 'is not a permission'}`,
    );
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
        `give the job its own permissions: ROLE (${PERMISSION_ROLES.join(', ')}) may do exactly these (${JOB_PERMISSIONS.join(', ')}; ROLE= or ROLE=none for nothing); repeatable`,
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
        throw new CliError('--follow-project cannot go with --own or --set', EXIT.usage);
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
