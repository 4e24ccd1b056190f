import { setFlagsFromString } from 'node:v8';
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

program
  .command('runner')
  .description('Run builds for a Kiln server on this machine (pulls work over HTTP; see docs/deployment.md)')
  .requiredOption('--server <url>', 'the Kiln server, e.g. http://kiln.example:8080')
  .option(
    '--token <token>',
    'runner token from `kiln runners create` (prefer KILN_RUNNER_TOKEN: options show in `ps`)',
  )
  .option('--slots <n>', 'builds run at once', '2')
  .option('--work-dir <dir>', 'where workspaces are made', './kiln-runner')
  .option('--build-path <path>', "PATH that build steps see (default: the runner's own PATH)")
  .option('--log-level <level>', 'log level', 'info')
  .action(async (opts) => (await import('./runner-command.ts')).runRunner(opts));

// A client command sends a few requests and exits. fetch parses HTTP with WebAssembly, which V8
// compiles twice, the second time optimised in the background, and the process waits for that
// compile before it exits: about 250 ms of CPU and of every command's time here (npm run
// bench:cli). The baseline compiler alone is quick to parse a few answers. The server and the
// runner, which parse for as long as they run, keep the optimised code. Only where V8's baseline
// compiler takes every function (x86-64, arm64): elsewhere --liftoff-only would abort instead of
// falling back.
const BASELINE_ONLY = process.arch === 'x64' || process.arch === 'arm64';
program.hook('preAction', (_program, command) => {
  if (BASELINE_ONLY && command.name() !== 'serve' && command.name() !== 'runner')
    setFlagsFromString('--liftoff-only');
});

process.exitCode = await runCli(program, ctx, process.argv.slice(2));
