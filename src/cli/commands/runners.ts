import type { Command } from 'commander';
import type { RunnerDto } from '../../contract/admin.ts';
import type { CliContext } from '../context.ts';
import { outputOption } from '../options.ts';
import { writeRows, type OutputFormat } from '../output.ts';

/** "jdk 17.0.15, maven 3.8.7, node 20.20.2". */
function toolList(tools: Record<string, string>): string {
  return Object.entries(tools)
    .map(([name, version]) => (version ? `${name} ${version}` : name))
    .join(', ');
}

/** `kiln runners ...`: register and manage remote runners (administrators of the default domain). */
export function registerRunners(program: Command, ctx: CliContext): void {
  const runners = program
    .command('runners')
    .description('Register and manage remote runners (administrators of the default domain)');

  runners
    .command('create <name>')
    .description(
      'Register a runner; prints its token once (give it to `kiln runner --token` or KILN_RUNNER_TOKEN)',
    )
    .action(async (name: string) => {
      const { runner, token } = (await ctx.client().createRunner({ body: { name } })).result;
      ctx.out(`Registered runner ${runner.name} (${runner.id}).\nToken (shown only now): ${token}\n`);
    });

  outputOption(runners.command('list').description('Runners and when each was last seen')).action(
    async (opts: { output: OutputFormat }) => {
      const list = (await ctx.client().listRunners()).result.runners;
      writeRows<RunnerDto>(
        opts.output,
        [
          { header: 'name', value: (r) => r.name },
          { header: 'id', value: (r) => r.id },
          {
            header: 'last seen',
            value: (r) => (r.last_seen_at ? new Date(r.last_seen_at).toISOString() : 'never'),
          },
          { header: 'disabled', value: (r) => (r.disabled ? 'yes' : '') },
          { header: 'tools', value: (r) => toolList(r.tools) },
        ],
        list,
        ctx.out,
      );
    },
  );

  for (const [verb, disabled] of [
    ['disable', true],
    ['enable', false],
  ] as const) {
    runners
      .command(`${verb} <runner_id>`)
      .description(disabled ? 'Disable a runner: its token stops working' : 'Enable a disabled runner')
      .action(async (id: string) => {
        await ctx.client().updateRunner({ params: { runner_id: id }, body: { disabled } });
        ctx.out(`Runner ${id} ${verb}d.\n`);
      });
  }
  runners
    .command('delete <runner_id>')
    .description('Remove a runner; its token stops working')
    .action(async (id: string) => {
      await ctx.client().deleteRunner({ params: { runner_id: id } });
      ctx.out(`Runner ${id} removed.\n`);
    });
}
