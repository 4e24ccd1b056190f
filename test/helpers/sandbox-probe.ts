import { chownSync, mkdirSync, mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { BwrapBackend } from '../../src/runner/bwrap-sandbox.ts';

/**
 * Runs one command in a build sandbox of the real bubblewrap backend and prints its output: run as
 * `node --import tsx sandbox-probe.ts <work dir> <bash script>`, by a test that wants a sandbox
 * of a runner in another mode than its own (under `unshare --user --map-user=1000`: a runner that
 * is not root). No server, no build: only the sandbox and its supervisor.
 */
const [workDir, script] = process.argv.slice(2) as [string, string];
const backend = await BwrapBackend.create({
  searchPath: process.env.PATH ?? '/usr/bin:/bin',
  network: false,
  limits: { processes: 256, fileBytes: 1 << 30 },
  shmBytes: 64 * 1024 * 1024,
  readOnly: [],
  localRepositories: [],
  uidBase: 41000,
  workDir,
});
const dirs = Object.fromEntries(
  ['workspace', 'home', 'tmp', 'ctl', 'mirrors'].map((name) => {
    const dir = join(mkdtempSync(join(workDir, 'build-')), name);
    mkdirSync(dir, { mode: 0o755 });
    return [name, dir];
  }),
) as Record<'workspace' | 'home' | 'tmp' | 'ctl' | 'mirrors', string>;
const owner = backend.buildOwner(0);
if (owner) {
  for (const name of ['workspace', 'home', 'tmp'] as const) chownSync(dirs[name], owner.uid, owner.gid);
}
const sandbox = await backend.openBuild({ dirs, slot: 0, mirrors: dirs.mirrors });
const result = await sandbox.exec(
  { file: '/bin/bash', args: ['-c', script], cwd: sandbox.inside.workspace, env: { PATH: '/usr/bin:/bin' } },
  (data) => process.stdout.write(data),
  new AbortController().signal,
);
await sandbox.close();
process.stdout.write(`exit=${result.exitCode}\n`);
process.exit(0);
