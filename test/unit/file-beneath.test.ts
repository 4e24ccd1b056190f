import {
  constants,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sizeOf } from '../../src/runner/artifact-transfer.ts';
import { openBeneath, openDirectoryBeneath } from '../../src/runner/file-beneath.ts';
import { CaseSink, readJunitFile } from '../../src/runner/junit-file.ts';
import { zipWorkspaceFiles } from '../../src/runner/report-zip.ts';
import { writeHomeFile } from '../../src/runner/step-files.ts';
import { zipEntries } from '../helpers/zip.ts';

/**
 * What the runner reads and writes in a build's directories follows no symbolic link in any
 * component, not only the last: a build that puts a link to a host directory in place of one of
 * its own directories (here before the runner looks; a build racing the runner does it between
 * the runner's walk and its open) gets an error, never the host's file.
 */

describe('files beneath a build directory', () => {
  const top = mkdtempSync(join(tmpdir(), 'kiln-beneath-'));
  const host = join(top, 'host');
  const ws = join(top, 'workspace');
  const home = join(top, 'home');
  const HOST_TEXT = '<testsuite tests="1"><testcase name="host"/></testsuite>\n';

  beforeAll(() => {
    mkdirSync(host);
    writeFileSync(join(host, 'secret.txt'), HOST_TEXT);
    writeFileSync(join(host, 'settings.xml'), 'host settings\n');
    mkdirSync(join(ws, 'real'), { recursive: true });
    writeFileSync(join(ws, 'real', 'secret.txt'), "the build's own\n");
    symlinkSync(host, join(ws, 'a'));
    mkdirSync(join(ws, 'deep'));
    symlinkSync(host, join(ws, 'deep', 'b'));
    mkdirSync(home);
    symlinkSync(host, join(home, '.m2'));
  });
  afterAll(() => rmSync(top, { recursive: true, force: true }));

  it('opens a file whose directories are real', async () => {
    const handle = await openBeneath({ root: ws, path: 'real/secret.txt' }, constants.O_RDONLY);
    expect((await handle.readFile()).toString()).toBe("the build's own\n");
    await handle.close();
  });

  it('refuses a link in place of a directory, at any depth', async () => {
    for (const path of ['a/secret.txt', 'deep/b/secret.txt'])
      await expect(openBeneath({ root: ws, path }, constants.O_RDONLY), path).rejects.toThrow(
        /ELOOP|ENOTDIR/,
      );
    await expect(openDirectoryBeneath(ws, 'deep/b')).rejects.toThrow(/ELOOP|ENOTDIR/);
    await expect(sizeOf({ root: ws, path: 'a/secret.txt' })).rejects.toThrow();
    await expect(readJunitFile({ root: ws, path: 'a/secret.txt' }, new CaseSink())).rejects.toThrow(
      /ELOOP|ENOTDIR/,
    );
  });

  it('keeps no host file in a report zip', async () => {
    const target = join(top, 'reports.zip');
    const zipped = await zipWorkspaceFiles(ws, ['deep/b/secret.txt'], target).then(
      () => readFileSync(target),
      () => undefined,
    );
    if (zipped) expect(Object.values(await zipEntries(zipped))).not.toContain(HOST_TEXT);
  });

  it("writes ~/.m2/settings.xml in the build's HOME, not through a link where .m2 goes", () => {
    writeHomeFile(home, '.m2/settings.xml', 'the build settings\n', undefined);
    expect(readFileSync(join(host, 'settings.xml'), 'utf8')).toBe('host settings\n');
    expect(lstatSync(join(home, '.m2')).isDirectory()).toBe(true);
    expect(readFileSync(join(home, '.m2', 'settings.xml'), 'utf8')).toBe('the build settings\n');
  });
});
