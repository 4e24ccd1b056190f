import { Option, type Command } from 'commander';
import type { ResponseOf } from '../../contract/operation-types.ts';
import { NOTICE_EVENTS, NOTICE_TYPES } from '../../domain/notices.ts';
import { parseJobId } from '../arguments.ts';
import { CliError, EXIT, type CliContext } from '../context.ts';
import { outputOption } from '../options.ts';
import { writeRows, type OutputFormat } from '../output.ts';
import { PAGE_SIZE, readAllPages } from '../all-pages.ts';
import { readSecret } from '../secrets.ts';

type Channel = ResponseOf<'listNotice'>['result'][number];
type Sent = ResponseOf<'listJobNotifications'>['result']['notifications'][number];
type Message = ResponseOf<'listInbox'>['result']['messages'][number];

const TYPES = NOTICE_TYPES.join(', ');
const time = (ms: number | null) => (ms === null ? '' : new Date(ms).toISOString());

/** A notice type as given (any case), or a usage error naming the types. */
function noticeType(value: string): string {
  const type = value.toUpperCase();
  if (!(NOTICE_TYPES as readonly string[]).includes(type))
    throw new CliError(`${value} is not a channel: ${TYPES}`, EXIT.usage);
  return type;
}

/**
 * A channel's param_config with its signing secret replaced by `(hidden)`: a listing goes to a
 * terminal's scrollback or a CI log, and the secret was given the safe way (`--secret -`) so as
 * not to be seen. The server's text is JSON (UpdateNotice refuses anything else).
 */
function hideSecret(paramConfig: string | null): string | null {
  if (paramConfig === null) return null;
  try {
    const config = JSON.parse(paramConfig) as unknown;
    if (typeof config === 'object' && config !== null && 'secret' in config)
      return JSON.stringify({ ...config, secret: '(hidden)' });
  } catch {
    // Not JSON: no secret of ours in it.
  }
  return paramConfig;
}

/**
 * `kiln jobs notices`, `kiln jobs notifications`, `kiln jobs watch` and `kiln inbox`: a job's
 * notification settings and what was sent, and the person's own inbox (docs/notifications.md).
 */
export function registerNotices(jobs: Command, program: Command, ctx: CliContext): void {
  outputOption(
    jobs
      .command('notices')
      .description(
        `A job's notification channels and the events each is sent for; --set, --off and --test change or try one (${TYPES})`,
      )
      .argument('<job>', 'job id (32 characters)', parseJobId)
      .addOption(
        new Option('--set <channel>', 'set a channel: the events are --events, all others off').conflicts([
          'off',
          'test',
        ]),
      )
      .option('--events <list>', `with --set: comma-separated events (${NOTICE_EVENTS.join(', ')})`, '')
      .option('--url <url>', 'with --set: the webhook URL (WEBHOOK, SLACK, DING_TALK)')
      .option(
        '--secret <secret>',
        "with --set: the signing secret (WEBHOOK, DING_TALK); '-' reads it from stdin when piped, or a prompt that does not echo (a secret written here is visible in `ps`; avoid)",
      )
      .option('--show-secrets', "print the channels' secrets (hidden otherwise)")
      .option('--only-on-change', 'with --set: a failure or success only when the outcome changed')
      .addOption(new Option('--off <channel>', 'turn a channel off (its settings stay)').conflicts('test'))
      .option('--test <channel>', 'send a test over a channel now and say what came of it'),
  ).action(
    async (
      job: string,
      opts: {
        set?: string;
        events: string;
        url?: string;
        secret?: string;
        onlyOnChange?: boolean;
        showSecrets?: boolean;
        off?: string;
        test?: string;
        output: OutputFormat;
      },
    ) => {
      const client = ctx.client();
      const params = { job_id: job };
      if (opts.test) {
        const r = (await client.testJobNotice({ params, body: { notice_type: noticeType(opts.test) } }))
          .result;
        const code = r.status_code === null ? '' : ` (${r.status_code})`;
        if (!r.ok) throw new CliError(`the test failed: ${r.error}${code}`);
        ctx.out(`delivered${code}\n`);
        return;
      }
      if (opts.set) {
        const type = noticeType(opts.set);
        // `--secret -`, as `login` takes a password: out of `ps` and the shell's history.
        const secret =
          opts.secret === '-' ? await readSecret(ctx, `Secret for ${type}: `, undefined) : opts.secret;
        const settings = opts.url !== undefined || secret !== undefined || opts.onlyOnChange;
        const config = {
          ...(opts.url !== undefined && { webhook_url: opts.url }),
          ...(secret !== undefined && { secret }),
          ...(opts.onlyOnChange && { only_on_change: true }),
        };
        await client.updateNotice({
          params,
          body: {
            notice_type: type,
            enabled_event_type_names: opts.events
              .split(',')
              .map((e) => e.trim())
              .filter(Boolean),
            // Without --url, --secret or --only-on-change the stored settings stay.
            ...(settings && { param_config: JSON.stringify(config) }),
          },
        });
      }
      if (opts.off) await client.disableNotice({ params, query: { notice_type: noticeType(opts.off) } });
      const channels = (await client.listNotice({ params })).result.map((c) =>
        opts.showSecrets ? c : { ...c, param_config: hideSecret(c.param_config) },
      );
      writeRows<Channel>(
        opts.output,
        [
          { header: 'channel', value: (c) => c.notice_type },
          { header: 'events', value: (c) => NOTICE_EVENTS.filter((e) => c.enable_map[e]).join(',') || 'off' },
          { header: 'settings', value: (c) => c.param_config ?? '' },
        ],
        channels,
        ctx.out,
      );
    },
  );

  outputOption(
    jobs
      .command('notifications')
      .description(
        "The job's latest notifications, newest first: channel, event, state, attempts and the last error",
      )
      .argument('<job>', 'job id (32 characters)', parseJobId),
  ).action(async (job: string, opts: { output: OutputFormat }) => {
    const { notifications } = (
      await ctx.client().listJobNotifications({ params: { job_id: job }, query: { limit: 50 } })
    ).result;
    writeRows<Sent>(
      opts.output,
      [
        { header: 'created (UTC)', value: (n) => time(n.created_at) },
        { header: 'channel', value: (n) => n.notice_type },
        { header: 'event', value: (n) => n.event },
        { header: 'state', value: (n) => n.state },
        { header: 'attempts', value: (n) => n.attempts.length },
        { header: 'last error', value: (n) => n.last_error },
      ],
      notifications,
      ctx.out,
      (n) => n,
    );
  });

  jobs
    .command('watch')
    .description(
      "Whether you hear of the job's notifications in your inbox and by mail; --on or --off to change it",
    )
    .argument('<job>', 'job id (32 characters)', parseJobId)
    .addOption(new Option('--on', 'start hearing of it').conflicts('off'))
    .option('--off', 'stop hearing of it (its creator always does)')
    .action(async (job: string, opts: { on?: boolean; off?: boolean }) => {
      const client = ctx.client();
      const params = { job_id: job };
      const { watching } = (
        opts.on || opts.off
          ? await client.updateJobWatch({ params, body: { watching: opts.on === true } })
          : await client.showJobWatch({ params })
      ).result;
      ctx.out(`watching: ${watching ? 'yes' : 'no'}\n`);
    });

  outputOption(
    program
      .command('inbox')
      .description(
        'Your notifications, newest first; --read-all marks them read, --email sets where your mail goes',
      )
      .option('--unread', 'only the unread ones')
      .option('--read-all', 'mark every message read')
      .addOption(new Option('--email <address>', "where your notification mail goes ('' for nowhere)")),
  ).action(async (opts: { unread?: boolean; readAll?: boolean; email?: string; output: OutputFormat }) => {
    const client = ctx.client();
    if (opts.email !== undefined) {
      const set = await client.updateMyNotifications({
        body: { email: opts.email === '' ? null : opts.email },
      });
      ctx.err(`Mail goes to: ${set.result.email ?? 'nowhere'}\n`);
    }
    if (opts.readAll) {
      const { marked } = (await client.markInboxRead({ body: {} })).result;
      ctx.err(`${marked} marked read\n`);
    }
    const messages = await readAllPages(async (page) => {
      const query = {
        offset: page * PAGE_SIZE,
        limit: PAGE_SIZE,
        ...(opts.unread && { unread_only: 'true' as const }),
      };
      const { messages: items, total } = (await client.listInbox({ query })).result;
      return { items, total };
    }, 0);
    writeRows<Message>(
      opts.output,
      [
        { header: 'when (UTC)', value: (m) => time(m.created_at) },
        { header: 'read', value: (m) => (m.read ? 'yes' : 'no') },
        { header: 'what', value: (m) => m.title },
        { header: 'link', value: (m) => m.url },
      ],
      messages,
      ctx.out,
      (m) => m,
    );
  });
}
