import type { Command } from 'commander';
import type { CliContext } from '../context.ts';
import { readSecret } from '../secrets.ts';

/** `kiln domains create` (administrators of the default domain). */
export function registerDomains(program: Command, ctx: CliContext): void {
  const domains = program
    .command('domains')
    .description('Create tenants (administrators of the default domain)');
  domains
    .command('create <name>')
    .description('Create a domain with its first administrator')
    .requiredOption('--admin <name>', "the new domain's administrator")
    .option('-p, --admin-password <password>', 'their password (else stdin or a prompt)')
    .action(async (name: string, opts: { admin: string; adminPassword?: string }) => {
      const password = await readSecret(ctx, `Password for ${opts.admin}: `, opts.adminPassword);
      const d = (
        await ctx.client().createDomain({ body: { name, admin_name: opts.admin, admin_password: password } })
      ).result;
      ctx.out(`Created domain ${d.name} (${d.domain_id}) with administrator ${opts.admin}\n`);
    });
}
