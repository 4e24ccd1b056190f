import { Option, type Command } from 'commander';
import type { AccessKeyDto } from '../../contract/admin.ts';
import type { CliContext } from '../context.ts';
import { outputOption } from '../options.ts';
import { writeRows, type Column, type OutputFormat } from '../output.ts';

const isoOr = (ms: number, none: string) => (ms ? new Date(ms).toISOString() : none);

const KEY_COLUMNS: Column<AccessKeyDto>[] = [
  { header: 'ak', value: (k) => k.ak },
  { header: 'status', value: (k) => k.status },
  { header: 'description', value: (k) => k.description },
  { header: 'user id', value: (k) => k.user_id },
  { header: 'created (UTC)', value: (k) => isoOr(k.created_at, '') },
  { header: 'last used (UTC)', value: (k) => isoOr(k.last_used_at, 'never') },
];

const CREATE_HELP = `
The secret key (SK) is shown only now: the server keeps it encrypted and never shows it again.
SDK clients sign requests with the pair (SDK-HMAC-SHA256), as with Huawei Cloud:
  new BasicCredentials().withAk(AK).withSk(SK).withProjectId(<IAM project id>)
and act with the roles of the key's user.

Examples:
  kiln access-keys create --description "CI pipeline"
  kiln access-keys create --user ci-bot -o json > ci-bot-key.json`;

/** `kiln access-keys ...`: AK/SK pairs for SDK clients. */
export function registerAccessKeys(program: Command, ctx: CliContext): void {
  const keys = program
    .command('access-keys')
    .description('Create and manage access keys (AK/SK) for SDK clients');

  outputOption(
    keys
      .command('list')
      .description('Your access keys (domain administrators: --user for another user)')
      .option('-u, --user <user>', "another user's keys (name or id; domain administrators)"),
  ).action(async (opts: { user?: string; output: OutputFormat }) => {
    const answer = await ctx.client().listAccessKeys({ query: opts.user ? { user: opts.user } : {} });
    writeRows(opts.output, KEY_COLUMNS, answer.result.keys, ctx.out);
  });

  keys
    .command('create')
    .description('Create an access key; prints the AK and, once only, the SK')
    .option('-d, --description <text>', 'what the key is for (up to 256 characters)')
    .option('-u, --user <user>', 'create it for this user (name or id; domain administrators)')
    .addOption(new Option('-o, --output <format>', 'output format').choices(['text', 'json']).default('text'))
    .addHelpText('after', CREATE_HELP)
    .action(async (opts: { description?: string; user?: string; output: 'text' | 'json' }) => {
      const body = {
        ...(opts.description !== undefined && { description: opts.description }),
        ...(opts.user !== undefined && { user: opts.user }),
      };
      const { key, sk } = (await ctx.client().createAccessKey({ body })).result;
      if (opts.output === 'json') {
        ctx.out(
          `${JSON.stringify({ ak: key.ak, sk, user_id: key.user_id, description: key.description })}\n`,
        );
        return;
      }
      ctx.out(`AK: ${key.ak}\nSK: ${sk}\n`);
      ctx.err('Keep the SK now: it is not shown again.\n');
    });

  for (const [verb, status] of [
    ['disable', 'disabled'],
    ['enable', 'active'],
  ] as const) {
    keys
      .command(verb)
      .description(
        verb === 'disable'
          ? 'Disable an access key: requests signed with it get 401 until it is enabled'
          : 'Enable a disabled access key',
      )
      .argument('<ak>', 'the access key id (AK)')
      .action(async (ak: string) => {
        await ctx.client().updateAccessKey({ params: { ak }, body: { status } });
        ctx.out(`Access key ${ak} ${verb}d.\n`);
      });
  }

  keys
    .command('delete')
    .description('Delete an access key for good')
    .argument('<ak>', 'the access key id (AK)')
    .action(async (ak: string) => {
      await ctx.client().deleteAccessKey({ params: { ak } });
      ctx.out(`Access key ${ak} deleted.\n`);
    });
}
