import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestRepo } from '../helpers/git.ts';
import { api, eventually, KilnProcess, loginOver } from '../helpers/processes.ts';

/**
 * docs/security.md: "The workspace (`/workspace`), `HOME` and `/tmp` are ... its only writable
 * places", held to KILN_BUILD_MAX_DISK_BYTES together. With a runner that is not root, bubblewrap
 * makes the sandbox in a user namespace where the build's user (uid 1000) owns the sandbox's
 * root and its /dev: both tmpfs, each as large as half the host's memory. A build could write
 * there (/, /var, /kiln, /home, /dev, /dev/shm) past its disk limit, which measures only its
 * three directories, into memory that no process is charged for (so the kernel's OOM killer
 * picks the server or the runner, not the build). Now those are read-only, and /dev/shm a tmpfs
 * of its own, bounded. With a root runner these are root's (0755) and
 * the build cannot. The runner is started as uid 1000 of a user namespace, as
 * unprivileged-runner.test.ts does.
 */

const PASSWORD = 'writable-places-password';
const MIB = 1024 * 1024;

describe('a runner that is not root', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kiln-writable-'));
  let server: KilnProcess;
  let runner: KilnProcess;
  let token: string;
  let project: string;
  let repo: TestRepo;

  beforeAll(async () => {
    repo = new TestRepo();
    repo.commit('first');
    server = await KilnProcess.serve({
      KILN_DATA_DIR: join(dir, 'data'),
      KILN_ADMIN_PASSWORD: PASSWORD,
      KILN_RUNNER_SLOTS: '0',
    });
    token = await loginOver(server.url, 'admin', PASSWORD);
    const runnerToken = (
      await api<{ result: { token: string } }>(server.url, token, 'POST', '/v1/kiln/runners', {
        name: 'user',
      })
    ).result.token;
    runner = KilnProcess.runner(
      server.url,
      runnerToken,
      1,
      join(dir, 'runner'),
      { KILN_BUILD_MAX_DISK_BYTES: String(16 * MIB) },
      ['unshare', '--user', '--map-user=1000', '--map-group=1000', '--'],
    );
    project = (
      await api<{ result: { project_info_list: { identifier: string }[] } }>(
        server.url,
        token,
        'GET',
        '/v1/domain/project/related',
      )
    ).result.project_info_list[0]?.identifier as string;
  }, 60_000);

  afterAll(async () => {
    await runner?.kill('SIGKILL');
    await server?.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('lets a build write only in its workspace, HOME and /tmp, within its disk limit', async () => {
    // Each place gets 12 MiB (under the largest file a build may write, 16 MiB): 72 MiB in all.
    const command = [
      'set +e',
      'for d in / /var /kiln /home /dev; do',
      '  head -c 12582912 /dev/zero > "$d/fill" 2>/dev/null && echo "WROTE $d"',
      'done',
      // /dev/shm is memory of the build's own, bounded (64 MiB): the sixth 12 MiB file does not fit.
      'for i in 1 2 3 4 5 6; do head -c 12582912 /dev/zero > /dev/shm/fill$i 2>/dev/null || echo "SHM full at $i"; done',
      'echo done writing',
    ].join('\n');
    const id = (
      await api<{ result: { job_id: string } }>(server.url, token, 'POST', '/v3/jobs/create', {
        project_id: project,
        job_name: 'fill',
        arch: 'x86-64',
        scms: [{ url: repo.url, scm_type: 'git', branch: 'main' }],
        steps: [{ module_id: 'kiln.shell', name: 'step', properties: { command } }],
      })
    ).result.job_id;
    const n = Number(
      (
        await api<{ actual_build_number: string }>(server.url, token, 'POST', '/v3/jobs/build', {
          job_id: id,
        })
      ).actual_build_number,
    );
    const r = await eventually(
      () =>
        api<{ result: { job_running_status: string; state: string } }>(
          server.url,
          token,
          'GET',
          `/v1/record/${id}/${n}/build-info-record`,
        ).then((x) => x.result),
      (x) => x.job_running_status === 'Finished',
      60_000,
      'the build to finish',
    );
    const text = (
      await api<{ result: { content: string } }>(
        server.url,
        token,
        'GET',
        `/v3/jobs/${id}/${n}/real-time-log?offset=0&length=1000000`,
      )
    ).result.content;
    expect(text, `${r.state}\n${runner.output()}`).toContain('done writing');
    expect(text.match(/^WROTE .*$/gm) ?? []).toEqual([]);
    expect(text.match(/^SHM .*$/gm)).toEqual(['SHM full at 6']);
  });
});
