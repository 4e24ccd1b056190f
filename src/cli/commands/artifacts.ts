import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Command } from 'commander';
import type { Kiln } from '../../client/kiln-client.ts';
import type { ResponseOf } from '../../contract/operation-types.ts';
import { terminalText } from '../../domain/control-chars.ts';
import { formatBytes, shortSha256 } from '../../domain/artifact-text.ts';
import { parseJobId } from '../arguments.ts';
import { artifactPath, saveArtifact, type SaveOutcome } from '../artifact-files.ts';
import { interruptSignal } from '../build-log.ts';
import { CliError, EXIT, type CliContext } from '../context.ts';
import { fileProblem } from '../file-problem.ts';
import { outputOption } from '../options.ts';
import { writeRows, type Column, type OutputFormat } from '../output.ts';
import { ProgressLine, transferLine } from '../progress.ts';
import { parseBuildNo } from './run.ts';

type ArtifactItem = ResponseOf<'listBuildArtifacts'>['result']['artifacts'][number];

const TABLE_COLUMNS: Column<ArtifactItem>[] = [
  { header: 'name', value: (a) => a.name },
  { header: 'version', value: (a) => a.version },
  { header: 'size', value: (a) => formatBytes(a.size) },
  { header: 'sha256', value: (a) => shortSha256(a.sha256) },
  { header: 'created (UTC)', value: (a) => new Date(a.created_at).toISOString() },
];

/** CSV: machine values (bytes, the whole digest) and the fields the table leaves out. */
const CSV_COLUMNS: Column<ArtifactItem>[] = [
  { header: 'name', value: (a) => a.name },
  { header: 'version', value: (a) => a.version },
  { header: 'size', value: (a) => a.size },
  { header: 'sha256', value: (a) => a.sha256 },
  { header: 'content_type', value: (a) => a.content_type },
  { header: 'created_at', value: (a) => new Date(a.created_at).toISOString() },
  { header: 'uri', value: (a) => a.uri },
];

const DOWNLOAD_HELP = `
Each file is written to NAME.part as it arrives and renamed once its sha256 matches the server's;
a NAME.part left by an interrupted download is resumed from where it stopped. A file already
holding the artifact's bytes is left as it is. Prints each file saved.

Examples:
  kiln artifacts download <job> 42 -o dist/
  kiln artifacts download <job> 42 app.jar`;

/** Redraws at most this often: a fast download would otherwise write thousands of lines a second. */
const REDRAW_MS = 100;

const listOf = async (client: Kiln, job: string, build: number) =>
  (await client.listBuildArtifacts({ params: { job_id: job, build_no: build } })).result.artifacts;

/** `kiln artifacts list|download`: what a build kept (upload_artifact steps). */
export function registerArtifacts(program: Command, ctx: CliContext): void {
  const artifacts = program
    .command('artifacts')
    .description("A build's artifacts: the files its upload_artifact steps kept");

  outputOption(
    artifacts
      .command('list')
      .description("A build's artifacts with size and sha256 (ListBuildArtifacts)")
      .argument('<job>', 'job id (32 characters)', parseJobId)
      .argument('<build>', 'build number (see `kiln builds <job>`)', parseBuildNo),
  ).action(async (job: string, build: number, opts: { output: OutputFormat }) => {
    const list = await listOf(ctx.client(), job, build);
    writeRows(opts.output, opts.output === 'csv' ? CSV_COLUMNS : TABLE_COLUMNS, list, ctx.out);
  });

  artifacts
    .command('download')
    .description("Save a build's artifacts, or one of them, checking each one's sha256")
    .argument('<job>', 'job id (32 characters)', parseJobId)
    .argument('<build>', 'build number (see `kiln builds <job>`)', parseBuildNo)
    .argument('[name]', "one artifact's name (all of them when left out)")
    .option('-o, --output-dir <dir>', 'where to save them (made when missing)', '.')
    .addHelpText('after', DOWNLOAD_HELP)
    .action(async (job: string, build: number, name: string | undefined, opts: { outputDir: string }) => {
      const client = ctx.client();
      const all = await listOf(client, job, build);
      const chosen = choose(all, name, `build ${build} of job ${job}`);
      // Every name is checked before any file is written: a refused one stops the whole download.
      const targets = chosen.map((a) => ({ artifact: a, path: artifactPath(opts.outputDir, a.name) }));
      await mkdir(opts.outputDir, { recursive: true }).catch((error: NodeJS.ErrnoException) => {
        throw new CliError(`cannot make the directory ${opts.outputDir}: ${fileProblem(error)}`);
      });
      // Ctrl-C stops the download in words (what was kept, how to resume), as a dropped connection
      // does, instead of killing the process silently with a NAME.part left behind.
      const interrupt = interruptSignal();
      try {
        for (const { artifact, path } of targets) {
          const at = { jobId: job, buildNo: build };
          const partTaken = all.some((a) => a.name === `${artifact.name}.part`);
          const outcome = await download(ctx, client, at, artifact, path, {
            signal: interrupt.signal,
            partTaken,
          });
          ctx.out(`${savedLine(join(opts.outputDir, artifact.name), artifact.size, outcome)}\n`);
        }
      } catch (error) {
        if (!interrupt.signal.aborted || (error instanceof CliError && error.exitCode === EXIT.interrupted))
          throw error;
        // Stopped before any byte came (asking, or checking a file on disk).
        throw new CliError('interrupted; run the command again to resume', EXIT.interrupted);
      } finally {
        interrupt.dispose();
      }
    });
}

/** The artifacts to save: all of them, or the one named; a clear error when there is nothing. */
function choose(all: ArtifactItem[], name: string | undefined, build: string): ArtifactItem[] {
  if (name === undefined) {
    if (all.length === 0) throw new CliError(`${build} kept no artifacts`);
    return all;
  }
  const one = all.find((a) => a.name === name);
  if (one) return [one];
  const has = all.length === 0 ? 'it kept none' : `it has ${all.map((a) => a.name).join(', ')}`;
  throw new CliError(`${build} has no artifact ${JSON.stringify(name)} (${has})`);
}

/** Saves one artifact with a progress bar on a terminal (stderr). */
async function download(
  ctx: CliContext,
  client: Kiln,
  build: { jobId: string; buildNo: number },
  artifact: ArtifactItem,
  path: string,
  options: { signal: AbortSignal; partTaken: boolean },
): Promise<SaveOutcome> {
  const progress = new ProgressLine(ctx.err, ctx.interactive);
  const started = Date.now();
  let drawn = 0;
  const draw = (bytes: number, received: number) => {
    const now = Date.now();
    if (now - drawn < REDRAW_MS && bytes < artifact.size) return;
    drawn = now;
    // Drawn on the terminal (stderr), where nothing escapes it otherwise.
    const label = terminalText(artifact.name);
    progress.update(
      transferLine({ label, bytes, totalBytes: artifact.size, received, elapsedMs: now - started }),
    );
  };
  try {
    return await saveArtifact(client, { ...build, name: artifact.name }, artifact, path, draw, options);
  } finally {
    progress.done();
  }
}

/** `saved dist/app.jar (2.4 MiB, sha256 verified; resumed at 1.0 MiB)`. */
function savedLine(path: string, size: number, outcome: SaveOutcome): string {
  if (outcome.kind === 'present') return `${path} is already there (sha256 verified)`;
  const resumed = outcome.resumedFrom > 0 ? `; resumed at ${formatBytes(outcome.resumedFrom)}` : '';
  return `saved ${path} (${formatBytes(size)}, sha256 verified${resumed})`;
}
