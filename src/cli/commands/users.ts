import type { Command } from 'commander';
import type { UserDto } from '../../contract/admin.ts';
import type { CliContext } from '../context.ts';
import { outputOption } from '../options.ts';
import { writeRows, type Column, type OutputFormat } from '../output.ts';
import { readSecret } from '../secrets.ts';

const USER_COLUMNS: Column<UserDto>[] = [
  { header: 'name', value: (u) => u.name },
  { header: 'display name', value: (u) => u.display_name },
  { header: 'admin', value: (u) => (u.is_admin ? 'yes' : '') },
  { header: 'disabled', value: (u) => (u.disabled ? 'yes' : '') },
  { header: 'id', value: (u) => u.id },
];

/** `kiln users ...` (domain administrators). */
export function registerUsers(program: Command, ctx: CliContext): void {
  const users = program.command('users').description("Manage the domain's users (domain administrators)");

  outputOption(users.command('list').description('List users')).action(
    async (opts: { output: OutputFormat }) => {
      const list = (await ctx.client().listUsers()).result.users;
      writeRows(opts.output, USER_COLUMNS, list, ctx.out);
    },
  );

  users
    .command('create <name>')
    .description('Create a user (password from --password, stdin, or a prompt)')
    .option('--display-name <text>', 'name shown in build records')
    .option('--admin', 'make them a domain administrator')
    .option('-p, --password <password>', 'initial password')
    .action(async (name: string, opts: { displayName?: string; admin?: boolean; password?: string }) => {
      const password = await readSecret(ctx, `Password for ${name}: `, opts.password);
      const user = (
        await ctx.client().createUser({
          body: {
            name,
            password,
            ...(opts.displayName && { display_name: opts.displayName }),
            ...(opts.admin && { is_admin: true }),
          },
        })
      ).result;
      ctx.out(`Created user ${user.name} (${user.id})\n`);
    });

  users
    .command('set-password <user>')
    .description("Set a user's password; their tokens stop working")
    .option('-p, --password <password>', 'new password')
    .action(async (user: string, opts: { password?: string }) => {
      const password = await readSecret(ctx, `New password for ${user}: `, opts.password);
      await ctx.client().setUserPassword({ params: { user }, body: { password } });
      ctx.out(`Password of ${user} changed; their tokens were revoked.\n`);
    });

  for (const [verb, disabled] of [
    ['disable', true],
    ['enable', false],
  ] as const) {
    users
      .command(`${verb} <user>`)
      .description(disabled ? 'Disable a user (their tokens stop working)' : 'Enable a disabled user')
      .action(async (user: string) => {
        await ctx.client().updateUser({ params: { user }, body: { disabled } });
        ctx.out(`User ${user} ${verb}d.\n`);
      });
  }
}
