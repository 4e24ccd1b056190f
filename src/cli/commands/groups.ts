import type { Command } from 'commander';
import type { Kiln } from '../../client/kiln-client.ts';
import type { JobGroupNode } from '../../contract/job-groups.ts';
import { isId32 } from '../../domain/ids.ts';
import { groupPaths } from '../../domain/job-groups.ts';
import { parseJobId } from '../arguments.ts';
import { CliError, type CliContext } from '../context.ts';
import { outputOption } from '../options.ts';
import { writeRows, type OutputFormat } from '../output.ts';
import { resolveProject } from '../project-ref.ts';

async function groupTree(client: Kiln, projectId: string): Promise<JobGroupNode[]> {
  return (await client.listGroupTree({ params: { project_id: projectId } })).result as JobGroupNode[];
}

/**
 * A group named by its id or by its names from the top (`apps/web`: a group name holds no
 * slash, and siblings' names differ).
 */
export async function resolveGroup(client: Kiln, projectId: string, ref: string): Promise<JobGroupNode> {
  const all = groupPaths(await groupTree(client, projectId));
  const found = all.find((g) => (isId32(ref) ? g.node.id === ref : g.path === ref));
  if (!found) throw new CliError(`no group ${ref} in this project (see \`kiln groups list <project>\`)`);
  return found.node;
}

/** Parses each id of a variadic argument as it arrives. */
const jobIds = (text: string, previous: string[] = []) => [...previous, parseJobId(text)];

/** `kiln groups ...`: a project's groups (folders of jobs, nested) and the jobs in them. */
export function registerGroups(program: Command, ctx: CliContext): void {
  const groups = program
    .command('groups')
    .description(
      "A project's job groups: folders of jobs, nested; a group is named by id or by path (apps/web)",
    );

  outputOption(
    groups
      .command('list')
      .description("The project's groups, each after its parent")
      .argument('<project>', 'project id or name'),
  ).action(async (project: string, opts: { output: OutputFormat }) => {
    const client = ctx.client();
    const all = groupPaths(await groupTree(client, await resolveProject(client, project)));
    // One flat row per group: json and csv say what the table shows, and the group's fields.
    const rows = all.map(({ node: { children: _, ...fields }, path }) => ({ path, ...fields }));
    writeRows<(typeof rows)[number]>(
      opts.output,
      [
        { header: 'group', value: (g) => g.path },
        { header: 'id', value: (g) => g.id },
        { header: 'created by', value: (g) => g.create_user },
      ],
      rows,
      ctx.out,
    );
  });

  groups
    .command('create')
    .description('Create a group, at the top level or in another (developers)')
    .argument('<project>', 'project id or name')
    .argument('<name>', 'the group name (no slashes)')
    .option('--in <group>', 'the parent group')
    .action(async (project: string, name: string, opts: { in?: string }) => {
      const client = ctx.client();
      const projectId = await resolveProject(client, project);
      const parent = opts.in === undefined ? undefined : await resolveGroup(client, projectId, opts.in);
      const { result } = await client.createJobGroup({
        params: { project_id: projectId },
        body: { name, ...(parent && { parent_id: parent.id }) },
      });
      ctx.out(`Created group ${name} (${result[0]?.id ?? ''}).\n`);
    });

  groups
    .command('rename')
    .description('Rename a group')
    .argument('<project>', 'project id or name')
    .argument('<group>', 'the group')
    .argument('<name>', 'its new name')
    .action(async (project: string, ref: string, name: string) => {
      const client = ctx.client();
      const projectId = await resolveProject(client, project);
      const group = await resolveGroup(client, projectId, ref);
      await client.updateJobGroup({ params: { project_id: projectId }, body: { id: group.id, name } });
      ctx.out(`Renamed ${group.name} to ${name}.\n`);
    });

  groups
    .command('move')
    .description('Move a group, with its subgroups and jobs, into another group or to the top level')
    .argument('<project>', 'project id or name')
    .argument('<group>', 'the group to move')
    .argument('[into]', 'the new parent group; leave out for the top level')
    .action(async (project: string, ref: string, into: string | undefined) => {
      const client = ctx.client();
      const projectId = await resolveProject(client, project);
      const group = await resolveGroup(client, projectId, ref);
      const parent = into === undefined ? undefined : await resolveGroup(client, projectId, into);
      await client.updateJobGroup({
        params: { project_id: projectId },
        body: { id: group.id, parent_id: parent?.id ?? '' },
      });
      ctx.out(`Moved ${group.name} ${parent ? `into ${parent.name}` : 'to the top level'}.\n`);
    });

  groups
    .command('swap')
    .description('Swap the places of two groups with the same parent')
    .argument('<project>', 'project id or name')
    .argument('<group>', 'one group')
    .argument('<other>', 'the other')
    .action(async (project: string, a: string, b: string) => {
      const client = ctx.client();
      const projectId = await resolveProject(client, project);
      const [x, y] = [await resolveGroup(client, projectId, a), await resolveGroup(client, projectId, b)];
      await client.switchedPacket({
        params: { project_id: projectId },
        query: { source_group_id: x.id, target_group_id: y.id },
      });
      ctx.out(`Swapped ${x.name} and ${y.name}.\n`);
    });

  groups
    .command('delete')
    .description('Delete an empty group (no subgroups, no jobs)')
    .argument('<project>', 'project id or name')
    .argument('<group>', 'the group')
    .action(async (project: string, ref: string) => {
      const client = ctx.client();
      const projectId = await resolveProject(client, project);
      const group = await resolveGroup(client, projectId, ref);
      await client.deleteGroup({ params: { project_id: projectId }, query: { id: group.id } });
      ctx.out(`Deleted group ${group.name}.\n`);
    });

  groups
    .command('put')
    .description("Put jobs into a group; '-' as the group takes them out of every group")
    .argument('<project>', 'project id or name')
    .argument('<group>', "the group, or '-' for none")
    .argument('<job...>', 'job ids (32 characters)', jobIds)
    .action(async (project: string, ref: string, jobs: string[]) => {
      const client = ctx.client();
      const projectId = await resolveProject(client, project);
      const group = ref === '-' ? undefined : await resolveGroup(client, projectId, ref);
      await client.moveGroup({
        params: { project_id: projectId },
        body: { group_id: group?.id ?? '', jobs: jobs.map((job_id) => ({ job_id })) },
      });
      ctx.out(`Put ${jobs.join(', ')} ${group ? `into ${group.name}` : 'in no group'}.\n`);
    });
}
