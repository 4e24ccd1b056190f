import { InvalidArgumentError, Option, type Command } from 'commander';
import type { Kiln } from '../../client/kiln-client.ts';
import type { RunJobBody } from '../../contract/builds.ts';
import { intInRange, parseCommitId, parseJobId } from '../arguments.ts';
import { BRANCH_PARAMETER } from '../../domain/job-parameters.ts';
import { buildOutcome, printLog } from '../build-log.ts';
import { CliError, EXIT, type CliContext } from '../context.ts';

/** A build number argument. */
export const parseBuildNo = intInRange(1, 2_147_483_647);

interface Param {
  name: string;
  value: string;
}

/** Collects repeated `--param name=value` options (the value may contain `=`). */
function collectParam(text: string, previous: Param[] = []): Param[] {
  const eq = text.indexOf('=');
  if (eq <= 0) throw new InvalidArgumentError(`"${text}" is not name=value (e.g. --param VERSION=1.2.3)`);
  return [...previous, { name: text.slice(0, eq), value: text.slice(eq + 1) }];
}

interface RunOptions {
  param?: Param[];
  branch?: string;
  tag?: string;
  commit?: string;
  follow?: boolean;
}

/** The RunJob body for a job and the command's options. */
export function runBody(job: string, opts: RunOptions): RunJobBody {
  const parameter = [...(opts.param ?? [])];
  if (opts.branch !== undefined) {
    if (parameter.some((p) => p.name === BRANCH_PARAMETER))
      throw new CliError(`--branch sets ${BRANCH_PARAMETER}: give --branch or --param, not both`, EXIT.usage);
    parameter.push({ name: BRANCH_PARAMETER, value: opts.branch });
  }
  return {
    job_id: job,
    ...(parameter.length > 0 && { parameter }),
    ...(opts.tag !== undefined && { scm: { build_tag: opts.tag } }),
    ...(opts.commit !== undefined && { scm: { build_commit_id: opts.commit } }),
  };
}

/**
 * Streams the log of a build until it finishes and leaves with its outcome: 0 for SUCCESS, 10
 * FAILURE, 11 ABORTED, 12 timeout. Ctrl-C stops following (exit 130); the build keeps running.
 */
export async function followBuild(ctx: CliContext, client: Kiln, job: string, build: number): Promise<void> {
  await printLog(
    ctx,
    client,
    { job, build },
    true,
    `stopped following; build ${build} keeps running (\`kiln logs ${job} ${build} --follow\` to follow it again, \`kiln stop ${job} ${build}\` to stop it)`,
  );
  const { state, exitCode } = await buildOutcome(ctx, client, job, build);
  if (exitCode !== EXIT.ok) throw new CliError(`build ${build} of job ${job} ended ${state}`, exitCode);
  ctx.err(`Build ${build} ended ${state}.\n`);
}

/**
 * The build number RunJob answered. The client checks the answer's shape but lets a missing text
 * field through; here it is the command's whole output (BUILD=$(kiln run JOB)), so an answer
 * without one fails instead of printing NaN with exit 0.
 */
function startedBuild(client: Kiln, answered: string | undefined): number {
  const build = Number(answered);
  if (Number.isInteger(build) && build > 0) return build;
  throw new CliError(
    `the server at ${client.baseUrl} did not answer as Kiln (the CodeArts Build API) does: RunJob gave no build number (check --url or KILN_URL)`,
  );
}

const RUN_HELP = `
Prints the new build's number on stdout (BUILD=$(kiln run <job>)). The build is queued at once;
a runner picks it up when a slot is free.

With --follow, the log goes to stdout as the build writes it and the exit code is the outcome:
0 SUCCESS, 10 FAILURE, 11 ABORTED, 12 timeout. Ctrl-C stops following (exit 130); the build
keeps running: follow it again with \`kiln logs <job> <build> --follow\`, stop it with \`kiln stop\`.

Examples:
  kiln run <job>
  kiln run <job> --param VERSION=1.2.3 --param TARGET=prod --branch release
  kiln run <job> --tag v1.2.3 --follow && echo released`;

/** `kiln run <job>` and `kiln stop <job> <build>`. */
export function registerRun(program: Command, ctx: CliContext): void {
  program
    .command('run')
    .description('Run a job (RunJob): queue a build and print its number')
    .argument('<job>', 'job id (32 characters)', parseJobId)
    .option(
      '-p, --param <name=value>',
      'a parameter of the job for this build (repeat for more)',
      collectParam,
    )
    .addOption(
      new Option('-b, --branch <branch>', `branch to build (the ${BRANCH_PARAMETER} parameter)`).conflicts([
        'tag',
        'commit',
      ]),
    )
    .addOption(new Option('-t, --tag <tag>', 'tag to build').conflicts(['commit']))
    .option('-c, --commit <commit>', 'commit id to build (4 to 64 hex digits)', parseCommitId)
    .option('-f, --follow', 'stream the log until the build ends; exit with its outcome')
    .addHelpText('after', RUN_HELP)
    .action(async (job: string, opts: RunOptions) => {
      const client = ctx.client();
      const started = await client.runJob({ body: runBody(job, opts) });
      const build = startedBuild(client, started.actual_build_number);
      if (!opts.follow) {
        ctx.out(`${build}\n`);
        return;
      }
      ctx.err(
        `Build ${build} (${started.daily_build_number}) of job ${job} queued; following its log (Ctrl-C stops following, not the build).\n`,
      );
      await followBuild(ctx, client, job, build);
    });

  program
    .command('stop')
    .description('Stop a build (StopBuildJob): a queued one leaves the queue, a running one is killed')
    .argument('<job>', 'job id (32 characters)', parseJobId)
    .argument('<build>', 'build number', parseBuildNo)
    .addHelpText('after', '\nThe build ends ABORTED. Stopping a build that already finished changes nothing.')
    .action(async (job: string, build: number) => {
      const answer = await ctx.client().stopBuildJob({ params: { job_id: job, build_no: build } });
      ctx.out(
        answer.success
          ? `Build ${build} of job ${job}: stop requested; it ends ABORTED.\n`
          : `Build ${build} of job ${job}: nothing to stop (${answer.result || 'the server did not stop it'}).\n`,
      );
    });
}
