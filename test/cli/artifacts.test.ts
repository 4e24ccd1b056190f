import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { CliContext } from '../../src/cli/context.ts';
import { buildProgram, runCli } from '../../src/cli/program.ts';
import { createKilnClient } from '../../src/client/kiln-client.ts';
import { cliUser, startServerProcess, type CliUser, type ServerProcess } from '../helpers/cli.ts';

// `kiln artifacts list|download` as real processes against a real `kiln serve` whose local runner
// runs a build that keeps two files (upload_artifact, CodeArts module 20018).

const UPLOAD = 'devcloud2018.codeci_action_20018.action';
const BIG = 1_500_000;
const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

describe('kiln artifacts, real processes', () => {
  let server: ServerProcess;
  let user: CliUser;
  let job = '';
  let bareJob = '';
  /** The bytes of app.bin, from the first whole download. */
  let appBytes = Buffer.alloc(0);
  let n = 0;
  const freshDir = () => join(user.home, `out-${++n}`);

  const createJob = async (name: string, steps: Record<string, unknown>[]) => {
    const file = join(user.home, `${name}.json`);
    writeFileSync(file, JSON.stringify({ job_name: name, arch: 'x86-64', steps }));
    const r = await user.run(['jobs', 'create', '-f', file, '--project', 'default']);
    expect(r, r.stderr).toMatchObject({ code: 0 });
    return r.stdout.trim();
  };
  const runToEnd = async (id: string) => {
    const r = await user.run(['run', id, '--follow'], { env: {} });
    expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
  };

  beforeAll(async () => {
    server = await startServerProcess();
    user = cliUser(server);
    await user.login();
    job = await createJob('cli-artifacts', [
      {
        module_id: 'kiln.shell',
        name: 'make',
        properties: {
          command: `mkdir -p out && head -c ${BIG} /dev/urandom > out/app.bin && echo notes > out/notes.txt`,
        },
      },
      { module_id: UPLOAD, name: 'keep', properties: { file: 'out/*' } },
    ]);
    bareJob = await createJob('cli-no-artifacts', [
      { module_id: 'kiln.shell', name: 'nothing', properties: { command: 'true' } },
    ]);
    await runToEnd(job);
    await runToEnd(bareJob);
  }, 120_000);
  beforeEach(({ onTestFailed }) => {
    onTestFailed(() => console.error(`kiln serve output:\n${server?.output().slice(-5000) || '(none)'}`));
  });
  afterAll(async () => {
    user?.cleanup();
    await server?.stop();
  });

  it('lists a build’s artifacts: a table with sizes for people, json as the API answers', async () => {
    const table = await user.run(['artifacts', 'list', job, '1']);
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout).toMatch(/name.*version.*size.*sha256.*created \(UTC\)/);
    expect(table.stdout).toMatch(/│ app\.bin +│ 1 +│ 1\.4 MiB +│ [0-9a-f]{12} +│ \d{4}-\d\d-\d\dT/);
    expect(table.stdout).toContain(
      `│ notes.txt │ 1       │ 6 B     │ ${sha256(Buffer.from('notes\n')).slice(0, 12)} `,
    );

    const json = await user.run(['artifacts', 'list', job, '1', '-o', 'json']);
    const list = JSON.parse(json.stdout) as { name: string; size: number; sha256: string; uri: string }[];
    expect(list.map((a) => [a.name, a.size])).toEqual([
      ['app.bin', BIG],
      ['notes.txt', 6],
    ]);
    expect(list[0]!.uri).toBe(`/v1/kiln/jobs/${job}/1/artifacts/app.bin`);

    const csv = await user.run(['artifacts', 'list', job, '1', '-o', 'csv']);
    expect(csv.stdout.split('\r\n')[0]).toBe('name,version,size,sha256,content_type,created_at,uri');
    expect(csv.stdout).toContain(`app.bin,1,${BIG},${list[0]!.sha256},`);

    const none = await user.run(['artifacts', 'list', bareJob, '1']);
    expect(none).toMatchObject({ code: 0, stdout: '(none)\n' });
  });

  it('downloads one artifact into -o DIR, checked against its sha256', async () => {
    const dir = freshDir();
    const r = await user.run(['artifacts', 'download', job, '1', 'app.bin', '-o', dir]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe(`saved ${join(dir, 'app.bin')} (1.4 MiB, sha256 verified)\n`);
    // Off a terminal there is no progress bar.
    expect(r.stderr).toBe('');
    appBytes = readFileSync(join(dir, 'app.bin'));
    expect(appBytes.length).toBe(BIG);
    const listed = await user.run(['artifacts', 'list', job, '1', '-o', 'json']);
    expect(sha256(appBytes)).toBe((JSON.parse(listed.stdout) as { sha256: string }[])[0]!.sha256);
    expect(readdirSync(dir)).toEqual(['app.bin']);

    // Again: the file already holds the artifact, nothing is fetched.
    const again = await user.run(['artifacts', 'download', job, '1', 'app.bin', '-o', dir]);
    expect(again.stdout).toBe(`${join(dir, 'app.bin')} is already there (sha256 verified)\n`);
  });

  it('downloads every artifact of the build when no name is given, making the directory', async () => {
    const dir = join(freshDir(), 'nested');
    const r = await user.run(['artifacts', 'download', job, '1', '--output-dir', dir]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.split('\n').filter(Boolean)).toEqual([
      `saved ${join(dir, 'app.bin')} (1.4 MiB, sha256 verified)`,
      `saved ${join(dir, 'notes.txt')} (6 B, sha256 verified)`,
    ]);
    expect(readdirSync(dir).sort()).toEqual(['app.bin', 'notes.txt']);
    expect(readFileSync(join(dir, 'notes.txt'), 'utf8')).toBe('notes\n');
    expect(readFileSync(join(dir, 'app.bin')).equals(appBytes)).toBe(true);
  });

  it('resumes a partial .part file with a Range request', async () => {
    const dir = freshDir();
    mkdirSync(dir);
    writeFileSync(join(dir, 'app.bin.part'), appBytes.subarray(0, 1_000_000));
    const r = await user.run(['artifacts', 'download', job, '1', 'app.bin', '-o', dir]);
    expect(r.code, r.stderr).toBe(0);
    // "resumed at" is said only for a 206 answer that starts where the .part ends.
    expect(r.stdout).toBe(`saved ${join(dir, 'app.bin')} (1.4 MiB, sha256 verified; resumed at 976.6 KiB)\n`);
    expect(readFileSync(join(dir, 'app.bin')).equals(appBytes)).toBe(true);
    expect(existsSync(join(dir, 'app.bin.part'))).toBe(false);
  });

  it('refuses bytes whose sha256 is not the artifact’s, removes them, and succeeds when run again', async () => {
    const dir = freshDir();
    mkdirSync(dir);
    // A .part whose bytes are not the artifact's start: the resumed whole cannot match.
    writeFileSync(join(dir, 'app.bin.part'), Buffer.alloc(500_000, 7));
    const bad = await user.run(['artifacts', 'download', job, '1', 'app.bin', '-o', dir]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(
      /^kiln: app\.bin: sha256 mismatch \(expected [0-9a-f]{64}, got [0-9a-f]{64}\); the download was removed, run the command again\n$/,
    );
    expect(readdirSync(dir)).toEqual([]);
    const good = await user.run(['artifacts', 'download', job, '1', 'app.bin', '-o', dir]);
    expect(good.code, good.stderr).toBe(0);
    expect(readFileSync(join(dir, 'app.bin')).equals(appBytes)).toBe(true);
  });

  it('says in words what is in the way of the file, before fetching a byte', async () => {
    const file = join(freshDir(), 'plain');
    mkdirSync(dirname(file));
    writeFileSync(file, 'a file, not a directory');
    const onFile = await user.run(['artifacts', 'download', job, '1', 'notes.txt', '-o', file]);
    expect(onFile).toMatchObject({ code: 1, stdout: '' });
    expect(onFile.stderr).toBe(
      `kiln: cannot make the directory ${file}: a file of that name is in the way\n`,
    );
    const dir = freshDir();
    mkdirSync(join(dir, 'notes.txt'), { recursive: true });
    const onDir = await user.run(['artifacts', 'download', job, '1', 'notes.txt', '-o', dir]);
    expect(onDir).toMatchObject({ code: 1, stdout: '' });
    expect(onDir.stderr).toBe(`kiln: cannot save notes.txt: ${join(dir, 'notes.txt')} is a directory\n`);
    expect(readdirSync(dir)).toEqual(['notes.txt']);
  });

  it('says clearly which artifact is missing, and what the build has', async () => {
    const dir = freshDir();
    const r = await user.run(['artifacts', 'download', job, '1', 'none.bin', '-o', dir]);
    expect(r).toMatchObject({ code: 1, stdout: '' });
    expect(r.stderr).toBe(
      `kiln: build 1 of job ${job} has no artifact "none.bin" (it has app.bin, notes.txt)\n`,
    );
    expect(existsSync(dir)).toBe(false);
    const bare = await user.run(['artifacts', 'download', bareJob, '1', '-o', dir]);
    expect(bare).toMatchObject({ code: 1 });
    expect(bare.stderr).toBe(`kiln: build 1 of job ${bareJob} kept no artifacts\n`);
    const noBuild = await user.run(['artifacts', 'list', job, '9']);
    expect(noBuild.code).toBe(1);
    expect(noBuild.stderr).toContain('build 9 of this job not found');
  });

  it("keeps NAME's unfinished download apart from an artifact called NAME.part", async () => {
    const both = await createJob('cli-part-names', [
      {
        module_id: 'kiln.shell',
        name: 'make',
        properties: { command: 'mkdir -p o && seq 1 5000 > o/app && echo other > o/app.part' },
      },
      { module_id: UPLOAD, name: 'keep', properties: { file: 'o/*' } },
    ]);
    await runToEnd(both);
    const dir = freshDir();
    for (const name of ['app.part', 'app']) {
      const r = await user.run(['artifacts', 'download', both, '1', name, '-o', dir]);
      expect(r, r.stderr).toMatchObject({ code: 0 });
    }
    // Before, `app` took the downloaded `app.part` for its own start, failed its sha256 and removed it.
    expect(readFileSync(join(dir, 'app.part'), 'utf8')).toBe('other\n');
    expect(readFileSync(join(dir, 'app'), 'utf8').split('\n').length).toBe(5001);
    expect(readdirSync(dir).sort()).toEqual(['app', 'app.part']);
  });

  it('draws a progress bar on a terminal (stderr), ending at 100%', async () => {
    const { token } = await createKilnClient({ baseUrl: server.url }).login({
      name: 'admin',
      password: server.adminPassword,
    });
    const out: string[] = [];
    const err: string[] = [];
    const ctx = {
      env: {},
      out: (t: string) => out.push(t),
      err: (t: string) => err.push(t),
      stdin: process.stdin,
      interactive: true,
      url: () => server.url,
      client: () => createKilnClient({ baseUrl: server.url, credentials: { token } }),
    } as unknown as CliContext;
    const dir = freshDir();
    const code = await runCli(buildProgram(ctx), ctx, [
      'artifacts',
      'download',
      job,
      '1',
      'app.bin',
      '-o',
      dir,
    ]);
    expect(code, err.join('')).toBe(0);
    const drawn = err.join('');
    expect(drawn).toContain('\r\x1b[2Kapp.bin [');
    expect(drawn).toMatch(/\[#{20}\] 100% 1\.4 MiB of 1\.4 MiB, [\d.]+ [KMG]?i?B\/s\n$/);
    expect(out.join('')).toContain('sha256 verified');
  });
});
