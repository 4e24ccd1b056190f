import type { Command } from 'commander';
import { createKilnClient } from '../../client/kiln-client.ts';
import { ApiError } from '../../client/api-error.ts';
import { CliError, credentialsPath, type CliContext, type SavedLogin } from '../context.ts';
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
    .option('--forget', 'forget the saved token even when the server cannot revoke it')
    .action(async (opts: { forget?: boolean }) => {
      const saved = ctx.savedLogin();
      if (!saved) {
        ctx.out('Not logged in.\n');
        return;
      }
      const failure = await revokeFailure(saved);
      // A token the server did not revoke still signs requests in: forgetting it would leave the
      // user told they logged out while it works for a day. Kept, `kiln logout` can be run again.
      const unrevoked =
        failure && `the token could not be revoked (${failure}): it stays valid until ${saved.expires_at}`;
      if (unrevoked && !opts.forget)
        throw new CliError(
          `${unrevoked}; it is kept in ${credentialsPath(ctx.env)}: run \`kiln logout\` again once the server answers, ` +
            `or \`kiln logout --forget\` to forget it anyway`,
        );
      ctx.forgetLogin();
      if (unrevoked) ctx.err(`kiln: ${unrevoked}; the saved login is forgotten all the same (--forget)\n`);
      else ctx.out(`Logged out of ${saved.url}.\n`);
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

/**
 * Why the server did not revoke the saved token, or undefined when it did or the token no longer
 * works anyway (a 401: expired or revoked). Not a 404: Kiln never answers one to a token revoking
 * itself, so it comes from a wrong URL or a proxy, and the token still works.
 */
async function revokeFailure(saved: SavedLogin): Promise<string | undefined> {
  try {
    await createKilnClient({ baseUrl: saved.url, credentials: { token: saved.token } }).keystoneRevokeToken({
      headers: { 'x-subject-token': saved.token },
    });
    return undefined;
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) return undefined;
    return (error as Error).message;
  }
}
