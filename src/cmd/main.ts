import { processContext } from '../cli/context.ts';
import { buildProgram, runCli } from '../cli/program.ts';

// The server and runner stacks (database drivers, HTTP server) load only for the commands that
// need them, so client commands start fast.
const ctx = processContext();
const program = buildProgram(ctx);
program
  .command('serve')
  .description('Run the Kiln server (settings from KILN_* environment variables; see docs/configuration.md)')
  .action(async () => (await import('./serve-command.ts')).serveUntilSignal());

process.exitCode = await runCli(program, ctx, process.argv.slice(2));
