import { constants, createWriteStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { ZipFile } from 'yazl';

/**
 * Zips workspace files (relative paths, kept as the entries' names) into `target` with yazl,
 * streaming each file in turn: memory stays flat whatever the reports weigh. Files are opened
 * without following a symbolic link.
 */
export async function zipWorkspaceFiles(workspace: string, files: string[], target: string): Promise<void> {
  const zip = new ZipFile();
  for (const file of files)
    zip.addReadStreamLazy(file, (done) => {
      open(join(workspace, file), constants.O_RDONLY | constants.O_NOFOLLOW).then(
        (handle) => done(null, handle.createReadStream()),
        (error: unknown) => done(error, undefined as never),
      );
    });
  zip.end();
  await pipeline(zip.outputStream, createWriteStream(target, { mode: 0o600 }));
}
