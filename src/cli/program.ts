import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { ApiError } from '../client/api-error.ts';
import { registerAccessKeys } from './commands/access-keys.ts';
import { registerArtifacts } from './commands/artifacts.ts';
import { registerTests } from './commands/tests.ts';
import { registerAuth } from './commands/auth.ts';
import { registerBin } from './commands/bin.ts';
import { registerGroups } from './commands/groups.ts';
import { registerFiles } from './commands/files.ts';
import { registerTemplates } from './commands/templates.ts';
import { registerBuilds } from './commands/builds.ts';
import { registerDomains } from './commands/domains.ts';
import { registerImportRecords } from './commands/import-records.ts';
import { registerJobs } from './commands/jobs.ts';
import { registerLogs } from './commands/logs.ts';
import { registerProjects } from './commands/projects.ts';
import { registerRecords } from './commands/records.ts';
import { registerQueue } from './commands/queue.ts';
import { registerRun } from './commands/run.ts';
import { registerRunners } from './commands/runners.ts';
import { registerUsers } from './commands/users.ts';
import { CliError, EXIT, type CliContext } from './context.ts';
import { terminalText } from '../domain/control-chars.ts';

/** Kiln's version, from its package.json (two directories up from src/cli/ and from dist/cmd/ alike). */
function kilnVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  return pkg.version;
}

/** The `kiln` command tree (the composition root adds `serve` and `runner`). */
export function buildProgram(ctx: CliContext): Command {
  const program = new Command('kiln')
    .description('Kiln: a self-hosted build service that speaks the Huawei CodeArts Build API')
    .version(kilnVersion(), '-V, --version', "print Kiln's version")
    .showHelpAfterError()
    .configureOutput({ writeOut: ctx.out, writeErr: ctx.err })
    .exitOverride();
  registerAuth(program, ctx);
  registerProjects(program, ctx);
  registerJobs(program, ctx);
  registerBin(program, ctx);
  registerGroups(program, ctx);
  registerRun(program, ctx);
  registerQueue(program, ctx);
  registerBuilds(program, ctx);
  registerLogs(program, ctx);
  registerArtifacts(program, ctx);
  registerFiles(program, ctx);
  registerTemplates(program, ctx);
  registerTests(program, ctx);
  registerRecords(program, ctx);
  registerImportRecords(program, ctx);
  registerUsers(program, ctx);
  registerDomains(program, ctx);
  registerRunners(program, ctx);
  registerAccessKeys(program, ctx);
  return program;
}

/** What to tell the user for an error, and the exit code. */
export function describeFailure(
  error: unknown,
  how: { command?: string; env?: Record<string, string | undefined> } = {},
): { message: string; exitCode: number } {
  if (error instanceof CommanderError) {
    return { message: '', exitCode: error.exitCode === 0 ? EXIT.ok : EXIT.usage };
  }
  if (error instanceof CliError) return { message: error.message, exitCode: error.exitCode };
  if (error instanceof ApiError) {
    const hint =
      error.status === 401
        ? unauthorizedHint(how)
        : error.code === 'NOT_KILN' || error.code === 'TIMEOUT' || error.code === 'REDIRECT'
          ? ' (check --url or KILN_URL)'
          : error.status === 0
            ? ' (is the server running? check --url or KILN_URL)'
            : '';
    const id = error.requestId ? ` [request ${error.requestId}]` : '';
    return { message: `${error.message}${hint}${id}`, exitCode: EXIT.failed };
  }
  return { message: (error as Error).message ?? String(error), exitCode: EXIT.failed };
}

/** Runs the CLI to completion and returns the exit code. */
export async function runCli(program: Command, ctx: CliContext, argv: string[]): Promise<number> {
  try {
    await program.parseAsync(argv, { from: 'user' });
    return EXIT.ok;
  } catch (error) {
    const { message, exitCode } = describeFailure(error, { command: argv[0], env: ctx.env });
    // The message can quote the server (its error_msg, a proxy page's title, an artifact's name).
    if (message) ctx.err(`kiln: ${terminalText(message)}\n`);
    return exitCode;
  }
}

/** What a 401 means for the way the command signed in. */
function unauthorizedHint(how: { command?: string; env?: Record<string, string | undefined> }): string {
  if (how.command === 'login') return ' (check the user name, the password and --domain)';
  if (how.env?.KILN_AK && how.env.KILN_SK)
    return ' (check KILN_AK and KILN_SK: the access key is unknown or disabled, or its secret is wrong)';
  if (how.env?.KILN_TOKEN) return ' (KILN_TOKEN has expired or was revoked: get a new token)';
  return ' (log in again with `kiln login`)';
}
