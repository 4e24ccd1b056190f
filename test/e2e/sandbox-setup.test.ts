import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, statfsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { KILN_BIN } from '../helpers/cli.ts';
import { TestRepo } from '../helpers/git.ts';
import { api, eventually, KilnProcess, loginOver } from '../helpers/processes.ts';
import { recordJson } from '../helpers/records.ts';
import { sharedDir } from '../helpers/runner.ts';

/**
 * How Kiln starts where builds cannot be sandboxed (it says in one line what to do, and refuses to
 * run builds), where the administrator turned the sandbox off (it warns at every start), and what a
 * build that fills the disk does to the server (it keeps answering; 503 while its store cannot
 * write; the build ends FAILURE once its space is freed).
 */

const PASSWORD = 'setup-test-password';
const dir = mkdtempSync(join(tmpdir(), 'kiln-setup-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs `kiln <args>` to its end with `env` (no other KILN_* setting). */
function kiln(args: string[], env: Record<string, string>): { status: number | null; stderr: string } {
  const clean: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env))
    if (!k.startsWith('KILN_') && v !== undefined) clean[k] = v;
  const r = spawnSync(process.execPath, [KILN_BIN, ...args], {
    env: { ...clean, KILN_LOG_LEVEL: 'warn', ...env },
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { status: r.status, stderr: r.stderr };
}

/** A directory with a `bwrap` that fails the way bubblewrap does where the kernel forbids namespaces. */
function refusingBwrap(): string {
  const bin = join(dir, 'refusing-bin');
  spawnSync('mkdir', ['-p', bin]);
  writeFileSync(
    join(bin, 'bwrap'),
    '#!/bin/sh\n[ "$1" = --version ] && { echo "bubblewrap 0.8.0"; exit 0; }\necho "bwrap: No permissions to creating new namespace, likely because the kernel does not allow non-privileged user namespaces." >&2\nexit 1\n',
  );
  chmodSync(join(bin, 'bwrap'), 0o755);
  return bin;
}

describe('where builds cannot be sandboxed', () => {
  it('kiln serve says in one line what to install, and does not start', () => {
    const r = kiln(['serve'], { KILN_DATA_DIR: join(dir, 'no-bwrap'), KILN_PORT: '0', PATH: '/nonexistent' });
    expect(r.status).toBe(2);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^kiln: cannot run builds: .*bubblewrap.*not installed.*apt-get install bubblewrap.*KILN_SANDBOX=off/,
    );
  });

  it('kiln serve says so when the kernel refuses the namespaces', () => {
    const r = kiln(['serve'], {
      KILN_DATA_DIR: join(dir, 'refused'),
      KILN_PORT: '0',
      PATH: `${refusingBwrap()}:/usr/bin:/bin`,
    });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(
      /cannot make a sandbox on this machine \(bwrap: No permissions to creating new namespace/,
    );
    expect(r.stderr).toMatch(/KILN_SANDBOX=off/);
  });

  it('kiln runner refuses to start too', () => {
    const r = kiln(['runner', '--server', 'http://127.0.0.1:9', '--work-dir', join(dir, 'runner')], {
      KILN_RUNNER_TOKEN: 'unused',
      PATH: '/nonexistent',
    });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/cannot run builds: .*bubblewrap.*not installed/);
  });

  it('a server that runs no builds itself (KILN_RUNNER_SLOTS=0) needs no sandbox', async () => {
    const server = await KilnProcess.serve({
      KILN_DATA_DIR: join(dir, 'no-runner'),
      KILN_RUNNER_SLOTS: '0',
      PATH: '/nonexistent',
    });
    await server.kill('SIGTERM');
  });
});

describe('KILN_SANDBOX=off', () => {
  it('runs builds unsandboxed, warning at every start', async () => {
    const env = { KILN_DATA_DIR: join(dir, 'off'), KILN_ADMIN_PASSWORD: PASSWORD, KILN_SANDBOX: 'off' };
    for (let start = 0; start < 2; start++) {
      const server = await KilnProcess.serve(env);
      try {
        expect(server.output()).toContain('KILN_SANDBOX=off: builds run without a sandbox');
        const token = await loginOver(server.url, 'admin', PASSWORD);
        const projects = await api<{ result: { project_info_list: { identifier: string }[] } }>(
          server.url,
          token,
          'GET',
          '/v1/domain/project/related',
        );
        const job = await api<{ result: { job_id: string } }>(server.url, token, 'POST', '/v3/jobs/create', {
          project_id: projects.result.project_info_list[0]?.identifier,
          job_name: `unsandboxed-${start}`,
          arch: 'x86-64',
          steps: [{ module_id: 'kiln.shell', name: 'who', properties: { command: 'echo "UID=$(id -u)"' } }],
        });
        await api(server.url, token, 'POST', '/v3/jobs/build', { job_id: job.result.job_id });
        const r = await eventually(
          () =>
            api<{ result: { state: string } }>(
              server.url,
              token,
              'GET',
              `/v1/record/${job.result.job_id}/1/build-info-record`,
            ),
          (x) => x.result.state !== '',
          20_000,
          'the build',
        );
        expect(r.result.state).toBe('SUCCESS');
      } finally {
        await server.kill('SIGTERM');
      }
    }
  });
});

describe.skipIf(process.getuid?.() !== 0)('a build that fills the disk', () => {
  it('fails; the server keeps answering, 503 while its store cannot write, and records the build', async () => {
    const repo = new TestRepo();
    repo.commit('first');
    const gate = join(sharedDir('disk-full'), 'go');
    const data = join(dir, 'small-disk');
    spawnSync('mkdir', ['-p', data]);
    // The server's data directory (its database and the builds' workspaces) on a 40 MiB disk of
    // its own, in a mount namespace of its own (nothing to clean up if the test dies).
    const server = await KilnProcess.serve(
      { KILN_DATA_DIR: data, KILN_ADMIN_PASSWORD: PASSWORD, KILN_RUNNER_SLOTS: '1' },
      30_000,
      [
        'unshare',
        '--mount',
        '--propagation',
        'private',
        '--',
        'sh',
        '-c',
        `mount -t tmpfs -o size=40m kiln-small ${data} && exec "$@"`,
        'sh',
      ],
    );
    try {
      const token = await loginOver(server.url, 'admin', PASSWORD);
      const projects = await api<{ result: { project_info_list: { identifier: string }[] } }>(
        server.url,
        token,
        'GET',
        '/v1/domain/project/related',
      );
      const project = projects.result.project_info_list[0]?.identifier;
      const job = await api<{ result: { job_id: string } }>(server.url, token, 'POST', '/v3/jobs/create', {
        project_id: project,
        job_name: 'filler',
        arch: 'x86-64',
        scms: [{ url: repo.url, scm_type: 'git', branch: 'main' }],
        steps: [
          {
            module_id: 'kiln.shell',
            name: 'fill',
            properties: {
              command: `head -c 100M /dev/zero > fill.bin || echo "filled: $?"; while [ ! -f ${gate} ]; do sleep 0.1; done; exit 1`,
            },
          },
        ],
      });
      const jobId = job.result.job_id;
      await api(server.url, token, 'POST', '/v3/jobs/build', { job_id: jobId });
      const record = () =>
        api<{ result: { job_running_status: string; state: string } }>(
          server.url,
          token,
          'GET',
          `/v1/record/${jobId}/1/build-info-record`,
        );
      // While the disk is full: reads are answered, a write that needs room gets a clear 503
      // (never a 500). A build history import is such a write (the build's own log lines wait in
      // its runner meanwhile).
      // The disk, as the server sees it in its mount namespace.
      const disk = `/proc/${server.child.pid}/root${data}`;
      await eventually(
        async () => statfsSync(disk).bavail,
        (free) => free === 0,
        30_000,
        'the build to fill the disk',
      ).catch(async (e: Error) => {
        const text = await fetch(`${server.url}/v3/jobs/${jobId}/1/real-time-log?offset=0&length=100000`, {
          headers: { 'x-auth-token': token },
        }).then((r) => r.text());
        throw new Error(`${e.message}\n${text}\n${server.output()}`);
      });
      const history = Array.from({ length: 20_000 }, (_, i) =>
        JSON.stringify(recordJson(100 + i, Date.UTC(2024, 0, 1) + i * 1000)),
      ).join('\n');
      const refused = await fetch(`${server.url}/v1/kiln/jobs/${jobId}/import`, {
        method: 'POST',
        headers: { 'x-auth-token': token, 'content-type': 'application/x-ndjson' },
        body: history,
      }).then(async (r) => ({ status: r.status, body: await r.text() }));
      expect(refused.status).toBe(503);
      expect(JSON.parse(refused.body)).toMatchObject({
        error_code: 'CB.00060100',
        error_msg: expect.stringMatching(/disk is full/),
      });
      expect((await fetch(`${server.url}/readyz`)).status).toBe(200);

      writeFileSync(gate, '');
      const r = await eventually(
        record,
        (x) => x.result.job_running_status === 'Finished',
        60_000,
        'the build',
      );
      expect(r.result.state).toBe('FAILURE');
      const log = await api<{ result: { content: string } }>(
        server.url,
        token,
        'GET',
        `/v3/jobs/${jobId}/1/real-time-log?offset=0&length=100000`,
      );
      expect(log.result.content).toMatch(/No space left on device/);
      expect(log.result.content).toContain('build finished: FAILURE');
    } finally {
      await server.kill('SIGTERM');
    }
  }, 120_000);
});
