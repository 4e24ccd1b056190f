import type { Command } from 'commander';
import type { MemberDto } from '../../contract/admin.ts';
import type { CliContext } from '../context.ts';
import { outputOption } from '../options.ts';
import { writeRows, type OutputFormat } from '../output.ts';
import { registerProjectInsights } from './job-insights.ts';
import { resolveProject } from '../project-ref.ts';

/** `kiln projects`, `kiln members`. */
export function registerProjects(program: Command, ctx: CliContext): void {
  const projects = program.command('projects').description('List or create CodeArts projects');
  outputOption(projects.command('list', { isDefault: true }).description('Projects you can see')).action(
    async (opts: { output: OutputFormat }) => {
      const list = (await ctx.client().showRelatedProject()).result.project_info_list;
      writeRows(
        opts.output,
        [
          { header: 'name', value: (p) => p.name },
          { header: 'id', value: (p) => p.identifier },
          { header: 'created by you', value: (p) => (p.is_creator ? 'yes' : '') },
        ],
        list,
        ctx.out,
      );
    },
  );
  projects
    .command('create <name>')
    .description('Create a project; you become its owner (domain administrators)')
    .option('--description <text>', 'what the project is for')
    .action(async (name: string, opts: { description?: string }) => {
      const p = (
        await ctx
          .client()
          .createProject({ body: { name, ...(opts.description && { description: opts.description }) } })
      ).result;
      ctx.out(`Created project ${p.name} (${p.id})\n`);
    });

  registerProjectInsights(projects, ctx);

  const members = program.command('members').description("Manage a project's members and roles (owners)");
  outputOption(members.command('list <project>').description('Members and their roles')).action(
    async (project: string, opts: { output: OutputFormat }) => {
      const client = ctx.client();
      const list = (
        await client.listMembers({ params: { project_id: await resolveProject(client, project) } })
      ).result.members;
      writeRows<MemberDto>(
        opts.output,
        [
          { header: 'user', value: (m) => m.user_name },
          { header: 'display name', value: (m) => m.display_name },
          { header: 'role', value: (m) => m.role },
        ],
        list,
        ctx.out,
      );
    },
  );
  members
    .command('add <project> <user>')
    .description('Add a member or change their role')
    .requiredOption('-r, --role <role>', 'owner, developer or viewer')
    .action(async (project: string, user: string, opts: { role: string }) => {
      const client = ctx.client();
      const m = (
        await client.setMember({
          params: { project_id: await resolveProject(client, project), user },
          body: { role: opts.role },
        })
      ).result;
      ctx.out(`${m.user_name} is now ${m.role} of ${project}\n`);
    });
  members
    .command('remove <project> <user>')
    .description('Remove a member')
    .action(async (project: string, user: string) => {
      const client = ctx.client();
      await client.removeMember({ params: { project_id: await resolveProject(client, project), user } });
      ctx.out(`${user} removed from ${project}\n`);
    });
}
