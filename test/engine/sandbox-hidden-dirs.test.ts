import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/cmd/config.ts';
import { hiddenFromBuilds } from '../../src/cmd/serve.ts';
import { exposedHiddenDir, SYSTEM_DIRS } from '../../src/runner/bwrap-mounts.ts';
import { BwrapBackend, type BwrapSettings } from '../../src/runner/bwrap-sandbox.ts';
import { SandboxUnavailableError } from '../../src/runner/sandbox.ts';

/**
 * Every sandbox mounts /usr, /etc, /opt and the KILN_SANDBOX_READ_ONLY directories read-only at
 * their own places. A runner's work directory or a server's data directory among them was there
 * for every build to read: Kiln installed in /opt with its default `./data`, and a runner that is
 * not root (its builds own every file of its user there), showed builds the database, the secret
 * key and the other builds' workspaces and scripts. Kiln refuses to sandbox builds so, saying why.
 */
describe('directories no build may see', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kiln-hidden-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  // A runner that is not root: its builds own its files, so /usr, /etc and /opt count.
  const UNPRIVILEGED = { system: SYSTEM_DIRS, readOnly: [], localRepositories: [] };
  const settings = (
    workDir: string,
    readOnly: string[],
    hidden: BwrapSettings['hidden'] = [],
    localRepositories: string[] = [],
  ) => ({
    searchPath: process.env.PATH ?? '/usr/bin:/bin',
    network: false,
    limits: { processes: 64, fileBytes: 1 << 20 },
    shmBytes: 1 << 20,
    readOnly,
    localRepositories,
    uidBase: 41000,
    workDir,
    hidden,
  });

  it('refuses a work directory in a directory builds read', async () => {
    const shared = join(dir, 'shared');
    const workDir = join(shared, 'kiln', 'work');
    mkdirSync(workDir, { recursive: true });
    const made = BwrapBackend.create(settings(workDir, [shared]));
    await expect(made).rejects.toThrow(SandboxUnavailableError);
    await expect(made).rejects.toThrow(
      `the runner's work directory ${workDir} lies in ${shared}, which every build sees (read-only): builds could read it`,
    );
  });

  it("refuses a work directory where local repositories are: a job could name another build's workspace", async () => {
    const repos = join(dir, 'repos');
    const workDir = join(repos, 'runner');
    mkdirSync(workDir, { recursive: true });
    await expect(BwrapBackend.create(settings(workDir, [], [], [repos]))).rejects.toThrow(
      `the runner's work directory ${workDir} lies in ${repos}, whose repositories any job may name (KILN_LOCAL_REPOSITORIES)`,
    );
  });

  it('refuses a data directory in one, or holding one; and, for a runner that is not root, one under /opt or /etc', async () => {
    const data = join(dir, 'data');
    const workDir = mkdtempSync(join(tmpdir(), 'kiln-hidden-work-'));
    mkdirSync(join(data, 'tools'), { recursive: true });
    const hidden = [{ path: data, what: 'the data directory (KILN_DATA_DIR)' }];
    await expect(BwrapBackend.create(settings(workDir, [dir], hidden))).rejects.toThrow(
      `the data directory (KILN_DATA_DIR) ${data} lies in ${dir}`,
    );
    await expect(BwrapBackend.create(settings(workDir, [join(data, 'tools')], hidden))).rejects.toThrow(
      `KILN_SANDBOX_READ_ONLY shows builds ${join(data, 'tools')}, in the data directory (KILN_DATA_DIR) ${data}`,
    );
    expect(exposedHiddenDir([{ path: '/opt/kiln/data', what: 'the data directory' }], UNPRIVILEGED)).toMatch(
      /^the data directory \/opt\/kiln\/data lies in \/opt, /,
    );
    expect(exposedHiddenDir([{ path: '/etc/kiln', what: 'the data directory' }], UNPRIVILEGED)).toMatch(
      /lies in \/etc, /,
    );
    expect(
      exposedHiddenDir([{ path: data, what: 'the data directory' }], {
        system: SYSTEM_DIRS,
        readOnly: [join(dir, 'other')],
        localRepositories: [join(dir, 'repos')],
      }),
    ).toBeUndefined();
    rmSync(workDir, { recursive: true, force: true });
  });

  it('refuses a directory not made yet whose parent is a link into one builds read', () => {
    const shown = join(dir, 'shown');
    mkdirSync(shown);
    symlinkSync(shown, join(dir, 'link'));
    // KILN_ARTIFACT_DIR before the first start: it will be made in `shown`, through the link.
    const artifacts = join(dir, 'link', 'artifacts');
    expect(
      exposedHiddenDir([{ path: artifacts, what: 'the artifact directory' }], {
        system: [],
        readOnly: [shown],
        localRepositories: [],
      }),
    ).toMatch(`the artifact directory ${artifacts} lies in ${shown}, `);
  });

  it('refuses a SQLite database that a sqlite: URL puts in a directory builds read', () => {
    const shared = join(dir, 'db-shared');
    mkdirSync(shared);
    // Nothing in the data directory: the key, the artifacts and the work directory are elsewhere.
    const config = parseConfig({
      KILN_DATABASE_URL: `sqlite:${join(shared, 'kiln.db')}`,
      KILN_SECRET_KEY: 'a-secret-key-of-16-chars',
      KILN_ARTIFACT_DIR: join(dir, 'artifacts'),
      KILN_WORK_DIR: join(dir, 'work'),
    });
    expect(
      exposedHiddenDir(hiddenFromBuilds(config), { system: [], readOnly: [shared], localRepositories: [] }),
    ).toMatch(`the SQLite database (KILN_DATABASE_URL) ${join(shared, 'kiln.db')} lies in ${shared}, `);
  });
});
