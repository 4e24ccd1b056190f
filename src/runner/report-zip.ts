import { constants, createWriteStream } from 'node:fs';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ZipFile } from 'yazl';
import { openBeneath } from './file-beneath.ts';

/**
 * Zips workspace files (relative paths, kept as the entries' names) into `target` with yazl,
 * streaming each file in turn: memory stays flat whatever the reports weigh. Files are opened
 * without following a symbolic link in any component (file-beneath.ts).
 */
export async function zipWorkspaceFiles(workspace: string, files: string[], target: string): Promise<void> {
  const zip = new ZipFile();
  for (const file of files)
    zip.addReadStreamLazy(file, (done) => {
      openBeneath({ root: workspace, path: file }, constants.O_RDONLY).then(
        (handle) => done(null, handle.createReadStream()),
        (error: unknown) => done(error, undefined as never),
      );
    });
  zip.end();
  // A file that cannot be opened (a link where a directory was) makes yazl emit 'error' and never
  // end its output: the zip fails then, and says why.
  const failed = new Promise<never>((_, reject) => zip.once('error', reject));
  failed.catch(() => {});
  const written = pipeline(zip.outputStream, createWriteStream(target, { mode: 0o600 }));
  try {
    await Promise.race([written, failed]);
  } catch (error) {
    (zip.outputStream as Readable).destroy();
    await written.catch(() => {});
    throw error;
  }
}
