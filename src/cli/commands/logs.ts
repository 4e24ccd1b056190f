import type { Command } from 'commander';
import { parseJobId } from '../arguments.ts';
import { buildOutcome, printLog } from '../build-log.ts';
import { CliError, EXIT, type CliContext } from '../context.ts';
import { parseBuildNo } from './run.ts';

interface LogsOptions {
  follow?: boolean;
  exitStatus?: boolean;
}

const LOGS_HELP = `
Without --follow, prints the log as far as it is written now. With --follow, keeps printing
while the build runs and returns when it ends; Ctrl-C stops following (exit 130), not the build.
--exit-status (with --follow) exits with the build's outcome like \`kiln run --follow\`:
0 SUCCESS, 10 FAILURE, 11 ABORTED, 12 timeout.

Examples:
  kiln logs <job> 42 > build-42.log
  kiln logs <job> 42 --follow --exit-status`;

/** `kiln logs <job> <build>`. */
export function registerLogs(program: Command, ctx: CliContext): void {
  program
    .command('logs')
    .description("A build's log (DownloadRealTimeLog)")
    .argument('<job>', 'job id (32 characters)', parseJobId)
    .argument('<build>', 'build number (see `kiln builds <job>`)', parseBuildNo)
    .option('-f, --follow', 'keep printing while the build runs')
    .option('--exit-status', "with --follow: exit with the build's outcome")
    .addHelpText('after', LOGS_HELP)
    .action(async (job: string, build: number, opts: LogsOptions) => {
      if (opts.exitStatus && !opts.follow)
        throw new CliError(
          '--exit-status needs --follow (the outcome is known once the build ends)',
          EXIT.usage,
        );
      const client = ctx.client();
      await printLog(
        ctx,
        client,
        { job, build },
        Boolean(opts.follow),
        `stopped following; build ${build} keeps running`,
      );
      if (!opts.exitStatus) return;
      const { state, exitCode } = await buildOutcome(ctx, client, job, build);
      if (exitCode !== EXIT.ok) throw new CliError(`build ${build} of job ${job} ended ${state}`, exitCode);
    });
}
