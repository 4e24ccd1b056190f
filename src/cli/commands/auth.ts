import type { Command } from 'commander';
import { createKilnClient } from '../../client/kiln-client.ts';
import type { CliContext } from '../context.ts';
import { readSecret } from '../secrets.ts';

/** `kiln login`, `kiln logout`, `kiln whoami`. */
export function registerAuth(program: Command, ctx: CliContext): void {
  program
    .command('login')
    .description('Sign in and keep the token in your config directory (mode 0600)')
    .option('--url <url>', 'Kiln server URL (default: KILN_URL or http://127.0.0.1:8080)')
    .option('-u, --user <name>', 'user name', 'admin')
    .option('-d, --domain <name>', 'domain (tenant) name', 'default')
    .option('-p, --password <password>', 'password (prefer stdin or the prompt: options show in `ps`)')
    .action(async (opts: { url?: string; user: string; domain: string; password?: string }) => {
      const url = ctx.url(opts.url);
      const password = await readSecret(ctx, `Password for ${opts.user}: `, opts.password);
      const client = createKilnClient({ baseUrl: url });
      const login = await client.login({ name: opts.user, password, domain: opts.domain });
      ctx.saveLogin({ url, token: login.token, user: opts.user, expires_at: login.expiresAt });
      ctx.out(`Logged in to ${url} as ${opts.user} (token valid until ${login.expiresAt})\n`);
    });

  program
    .command('logout')
    .description('Revoke the saved token and forget it')
    .action(async () => {
      const saved = ctx.forgetLogin();
      if (!saved) {
        ctx.out('Not logged in.\n');
        return;
      }
      await createKilnClient({ baseUrl: saved.url, credentials: { token: saved.token } })
        .keystoneRevokeToken({ headers: { 'x-subject-token': saved.token } })
        .catch(() => undefined);
      ctx.out(`Logged out of ${saved.url}.\n`);
    });

  program
    .command('whoami')
    .description('Show who the saved token belongs to')
    .action(async () => {
      const me = (await ctx.client().showCurrentUser()).result;
      ctx.out(
        `${me.name} (${me.display_name})${me.is_admin ? ', domain administrator' : ''} at ${ctx.url()}\n`,
      );
    });
}
