import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { param, processesWith, uniqueSleep } from '../helpers/engine.ts';
import { TestRepo } from '../helpers/git.ts';
import { createTestDatabase, TEST_DATABASE_URL, type TestDatabase } from '../helpers/postgres.ts';
import { api, eventually, KilnProcess, loginOver } from '../helpers/processes.ts';
import { sharedDir } from '../helpers/runner.ts';

/**
 * Builds written as an attacker would write them, run by real `kiln serve` and `kiln runner`
 * processes that hold real secrets: each attack of the review that made the sandbox necessary
 * is tried and fails, on SQLite and PostgreSQL, with the server's own runner and with a remote one.
 * The victims' builds end SUCCESS with exactly what they were asked to build.
 */

const ADMIN_PASSWORD = 'attack-admin-password-31337';
const SECRET_KEY = 'attack-secret-key-0123456789-abcdef';
const VICTIM_SECRET = 'victim-sensitive-value-4711';

interface Rec {
  number: number;
  job_running_status: string;
  state: string;
  commit_id: string;
}

const SETUPS = [
  { name: 'SQLite, the server runs builds', store: 'sqlite', remote: false },
  { name: 'SQLite, a remote runner runs builds', store: 'sqlite', remote: true },
  { name: 'PostgreSQL, the server runs builds', store: 'postgres', remote: false },
  { name: 'PostgreSQL, a remote runner runs builds', store: 'postgres', remote: true },
] as const;

async function signIn(url: string, domain: string, name: string, password: string): Promise<string> {
  if (domain === 'default') return loginOver(url, name, password);
  const res = await fetch(`${url}/v3/auth/tokens?nocatalog=true`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      auth: {
        identity: { methods: ['password'], password: { user: { name, password, domain: { name: domain } } } },
        scope: { project: { name: 'local' } },
      },
    }),
  });
  if (res.status !== 201) throw new Error(`login failed: ${res.status} ${await res.text()}`);
  return res.headers.get('x-subject-token') ?? '';
}

describe.each(SETUPS)('$name', ({ store, remote }) => {
  const skip = store === 'postgres' && !TEST_DATABASE_URL;
  const dir = mkdtempSync(join(tmpdir(), 'kiln-attacks-'));
  const gates = sharedDir('attacks');
  const dataDir = join(dir, 'data');
  const runnerDir = join(dir, 'runner');
  let database: TestDatabase | undefined;
  let server: KilnProcess;
  let runner: KilnProcess | undefined;
  let runnerToken = '';
  let env: Record<string, string>;
  let attacker: { token: string; project: string };
  let victim: { token: string; project: string };
  let repo: TestRepo;
  const secrets: string[] = [ADMIN_PASSWORD, SECRET_KEY];

  beforeAll(async () => {
    if (skip) return;
    repo = new TestRepo();
    repo.commit('the victim code', { 'code.txt': 'genuine\n' });
    env = {
      KILN_DATA_DIR: dataDir,
      KILN_ADMIN_PASSWORD: ADMIN_PASSWORD,
      KILN_SECRET_KEY: SECRET_KEY,
      KILN_RUNNER_SLOTS: remote ? '0' : '2',
      KILN_SERVER_NAME: 'attacked',
    };
    if (store === 'postgres') {
      database = await createTestDatabase();
      env.KILN_DATABASE_URL = database.url;
      secrets.push(database.url, new URL(database.url).pathname.slice(1));
    }
    server = await KilnProcess.serve(env);
    const admin = await loginOver(server.url, 'admin', ADMIN_PASSWORD);
    if (remote) {
      const created = await api<{ result: { token: string } }>(
        server.url,
        admin,
        'POST',
        '/v1/kiln/runners',
        {
          name: 'remote',
        },
      );
      runnerToken = created.result.token;
      secrets.push(runnerToken);
      runner = KilnProcess.runner(server.url, runnerToken, 2, runnerDir);
    }
    // The attacker: a developer of the default domain. The victim: another tenant's admin.
    const projects = await api<{ result: { project_info_list: { identifier: string }[] } }>(
      server.url,
      admin,
      'GET',
      '/v1/domain/project/related',
    );
    attacker = { token: admin, project: projects.result.project_info_list[0]?.identifier as string };
    await api(server.url, admin, 'POST', '/v1/kiln/domains', {
      name: 'victim-tenant',
      admin_name: 'victim',
      admin_password: 'victim-password-1',
    });
    const victimToken = await signIn(server.url, 'victim-tenant', 'victim', 'victim-password-1');
    const victimProject = await api<{ result: { id: string } }>(
      server.url,
      victimToken,
      'POST',
      '/v1/kiln/projects',
      { name: 'victim-project' },
    );
    victim = { token: victimToken, project: victimProject.result.id };
  }, 120_000);

  afterAll(async () => {
    await runner?.kill('SIGKILL');
    await server?.kill('SIGKILL');
    await database?.drop();
    rmSync(dir, { recursive: true, force: true });
    rmSync(gates, { recursive: true, force: true });
  });

  async function job(who: { token: string; project: string }, name: string, steps: string[], extra = {}) {
    const created = await api<{ result: { job_id: string } }>(
      server.url,
      who.token,
      'POST',
      '/v3/jobs/create',
      {
        project_id: who.project,
        job_name: name,
        arch: 'x86-64',
        scms: [{ url: repo.url, scm_type: 'git', branch: 'main' }],
        // An attacker's step goes on after a failed attempt (steps run with `bash -e`).
        steps: steps.map((command, i) => ({
          module_id: 'kiln.shell',
          name: `step ${i + 1}`,
          properties: { command: `set +e\n${command}` },
        })),
        ...extra,
      },
    );
    return created.result.job_id;
  }

  async function run(who: { token: string }, jobId: string): Promise<number> {
    const r = await api<{ actual_build_number: string }>(server.url, who.token, 'POST', '/v3/jobs/build', {
      job_id: jobId,
    });
    return Number(r.actual_build_number);
  }

  async function finished(who: { token: string }, jobId: string, n: number): Promise<Rec> {
    return eventually(
      async () =>
        (
          await api<{ result: Rec }>(
            server.url,
            who.token,
            'GET',
            `/v1/record/${jobId}/${n}/build-info-record`,
          )
        ).result,
      (r) => r.job_running_status === 'Finished',
      30_000,
      `build ${n} of ${jobId} to finish`,
    );
  }

  async function log(who: { token: string }, jobId: string, n: number): Promise<string> {
    const res = await api<{ result: { content: string } }>(
      server.url,
      who.token,
      'GET',
      `/v3/jobs/${jobId}/${n}/real-time-log?offset=0&length=5000000`,
    );
    return res.result.content;
  }

  function expectNoSecret(text: string): void {
    for (const secret of secrets) expect(text).not.toContain(secret);
  }

  it.skipIf(skip)(
    "cannot read the server's or the runner's secrets: environment, command lines, files",
    async () => {
      const id = await job(attacker, 'read-secrets', [
        [
          'cat /proc/[0-9]*/environ /proc/[0-9]*/cmdline 2>/dev/null | tr "\\0" "\\n"',
          'env',
          `cat ${dataDir}/secret.key ${dataDir}/kiln.db ${dataDir}/kiln.db-wal 2>&1`,
          `ls -la ${dataDir} ${runnerDir} ${dir} 2>&1`,
          'find / -xdev \\( -name "*.db" -o -name "secret.key" -o -name "*.sqlite" \\) 2>/dev/null',
          `echo junk >> ${dataDir}/kiln.db 2>&1 && echo DB_WRITTEN`,
          'echo "PROCESSES=$(ls /proc | grep -c "^[0-9]")"',
        ].join('\n'),
      ]);
      const n = await run(attacker, id);
      const r = await finished(attacker, id, n);
      const text = await log(attacker, id, n);
      expect(r.state, text).toBe('SUCCESS');
      expectNoSecret(text);
      expect(text).not.toContain('DB_WRITTEN');
      expect(text).not.toContain('SQLite format 3');
      expect(text).toMatch(/No such file or directory/);
      expect(Number(/^PROCESSES=(\d+)$/m.exec(text)?.[1])).toBeLessThan(10);
      // The store is whole: the server answers, with the attacker's build recorded.
      expect((await fetch(`${server.url}/readyz`)).status).toBe(200);
    },
  );

  it.skipIf(skip)('cannot kill the server or the runner', async () => {
    const target = (runner ?? server).child.pid as number;
    const id = await job(attacker, 'kill', [
      [
        `kill -9 ${server.child.pid} ${target}`,
        'pkill -9 -f kiln; pkill -9 node; kill -9 -1',
        'echo attempted',
        // The step's parent is the sandbox's supervisor: killing it ends the build's own sandbox.
        'kill -9 $PPID',
      ].join('\n'),
    ]);
    const n = await run(attacker, id);
    const r = await finished(attacker, id, n);
    const text = await log(attacker, id, n);
    // Killing everything in its sandbox kills the build's own supervisor: the build fails, nothing else.
    expect(r.state, text).toBe('FAILURE');
    expect(text).toContain('kill: (');
    expect(text).toContain('the sandbox ended unexpectedly');
    expect(server.alive).toBe(true);
    expect(runner?.alive ?? true).toBe(true);
    // And the runner still runs builds.
    const after = await job(attacker, 'after-kill', ['echo still-running']);
    const m = await run(attacker, after);
    expect((await finished(attacker, after, m)).state).toBe('SUCCESS');
  });

  it.skipIf(skip)(
    "leaves nothing in HOME or /tmp that changes another tenant's checkout or runs in it",
    async () => {
      const plant = await job(attacker, 'plant', [
        [
          'git config --global url."file:///nonexistent/evil".insteadOf "file://"',
          'git config --global core.hooksPath /tmp/evil-hooks',
          'mkdir -p /tmp/evil-hooks ~/.config/git',
          'printf "#!/bin/sh\\necho HOOK-RAN-IN-VICTIM\\n" > /tmp/evil-hooks/post-checkout',
          'chmod +x /tmp/evil-hooks/post-checkout',
          'cp ~/.gitconfig ~/.config/git/config',
          'echo planted',
        ].join('\n'),
      ]);
      const pn = await run(attacker, plant);
      expect((await finished(attacker, plant, pn)).state).toBe('SUCCESS');

      const victimJob = await job(victim, 'victim-build', ['cat code.txt; git log -1 --format=%H']);
      const vn = await run(victim, victimJob);
      const vr = await finished(victim, victimJob, vn);
      const text = await log(victim, victimJob, vn);
      expect(vr.state, text).toBe('SUCCESS');
      expect(vr.commit_id).toBe(repo.git('rev-parse', 'HEAD'));
      expect(text).toContain('genuine');
      expect(text).not.toContain('HOOK-RAN-IN-VICTIM');
    },
  );

  it.skipIf(skip)("cannot find or change another build's step scripts to steal its secrets", async () => {
    const gate = join(gates, `steal-${remote}`);
    const victimJob = await job(
      victim,
      'victim-with-secret',
      [`while [ ! -f ${gate} ]; do sleep 0.05; done; echo victim-waited`, 'echo "victim-step-2 ${#SECRET}"'],
      {
        parameters: [param('SECRET', VICTIM_SECRET, true)],
      },
    );
    const vn = await run(victim, victimJob);
    await eventually(
      () => log(victim, victimJob, vn),
      (t) => t.includes('step 1/2'),
      20_000,
      'the victim to wait in its first step',
    );
    const work = remote ? runnerDir : join(dataDir, 'work');
    const attack = await job(attacker, 'steal', [
      [
        `for f in $(find / ${work} -name "step-*.sh" 2>/dev/null); do echo "FOUND $f"; echo 'echo STOLEN:$SECRET' > "$f" && echo "WROTE $f"; done`,
        `ls -R ${work} 2>&1 | head -5`,
        'echo hunted',
      ].join('\n'),
    ]);
    const an = await run(attacker, attack);
    const ar = await finished(attacker, attack, an);
    const attackLog = await log(attacker, attack, an);
    writeFileSync(gate, '');
    const vr = await finished(victim, victimJob, vn);
    const victimLog = await log(victim, victimJob, vn);
    expect(ar.state, attackLog).toBe('SUCCESS');
    expect(attackLog).toContain('hunted');
    expect(attackLog).not.toMatch(/WROTE/);
    expect(attackLog).not.toContain(VICTIM_SECRET);
    expect(vr.state, victimLog).toBe('SUCCESS');
    expect(victimLog).toContain(`victim-step-2 ${VICTIM_SECRET.length}`);
    expect(victimLog).not.toContain('STOLEN');
  });

  it.skipIf(skip)("cannot read another tenant's repository through the runner's mirrors", async () => {
    const secretRepo = new TestRepo();
    secretRepo.commit('private', { 'private.txt': 'tenant-b-private-source\n' });
    const victimJob = await job(victim, 'private-repo', ['cat private.txt'], {
      scms: [{ url: secretRepo.url, scm_type: 'git', branch: 'main' }],
    });
    const vn = await run(victim, victimJob);
    expect((await finished(victim, victimJob, vn)).state).toBe('SUCCESS');
    // A name made without the runner's key (as a plain hash of the URL would be) leads nowhere,
    // and the directory cannot be listed.
    const guess = createHash('sha256').update(secretRepo.url).digest('hex').slice(0, 40);
    const attack = await job(attacker, 'mirrors', [
      [
        'ls -la /kiln/mirrors 2>&1',
        `ls /kiln/mirrors/${guess}.git 2>&1`,
        'for d in /kiln/mirrors/*/; do git -C "$d" log --all -p 2>&1; done',
        // (The pattern does not match itself: this script is under /kiln too.)
        'grep -r tenant-b-private-sourc[e] /kiln /workspace/.git 2>/dev/null',
        'echo searched',
      ].join('\n'),
    ]);
    const an = await run(attacker, attack);
    const ar = await finished(attacker, attack, an);
    const text = await log(attacker, attack, an);
    expect(ar.state, text).toBe('SUCCESS');
    expect(text).toContain('searched');
    expect(text).toMatch(/Permission denied/);
    expect(text).not.toContain('tenant-b-private-source');
  });

  it.skipIf(skip)(
    'leaves no process behind: not after a stop, not after a timeout, not when its runner is killed',
    async () => {
      const escapes = (tag: string) =>
        [
          `setsid ${tag} >/dev/null 2>&1 &`,
          `nohup ${tag} >/dev/null 2>&1 &`,
          `(setsid sh -c '${tag} & exit 0' &)`,
          `(${tag} &) &`,
          'sleep 0.3; echo escaped',
          'sleep 120',
        ].join('\n');
      const stopTag = `sleep ${uniqueSleep()}`;
      const stopped = await job(attacker, 'escape-stop', [escapes(stopTag)]);
      const sn = await run(attacker, stopped);
      await eventually(
        () => log(attacker, stopped, sn),
        (t) => t.includes('escaped'),
        20_000,
        'the escapes',
      );
      expect(processesWith(stopTag).length).toBeGreaterThanOrEqual(4);
      await api(server.url, attacker.token, 'POST', `/v3/jobs/${stopped}/${sn}/stop`);
      expect((await finished(attacker, stopped, sn)).state).toBe('ABORTED');
      await eventually(
        async () => processesWith(stopTag),
        (p) => p.length === 0,
        5_000,
        'no process after the stop',
      );

      const timeoutTag = `sleep ${uniqueSleep()}`;
      const timed = await job(attacker, 'escape-timeout', [escapes(timeoutTag)], {
        timeout: { limit: '3', unit: 'SECONDS' },
      });
      const tn = await run(attacker, timed);
      expect((await finished(attacker, timed, tn)).state).toBe('timeout');
      await eventually(
        async () => processesWith(timeoutTag),
        (p) => p.length === 0,
        5_000,
        'no process after the timeout',
      );

      // Last: the process that runs builds is killed outright.
      const killTag = `sleep ${uniqueSleep()}`;
      const killed = await job(attacker, 'escape-kill', [escapes(killTag)]);
      const kn = await run(attacker, killed);
      await eventually(
        () => log(attacker, killed, kn),
        (t) => t.includes('escaped'),
        20_000,
        'the escapes',
      );
      expect(processesWith(killTag).length).toBeGreaterThanOrEqual(4);
      if (runner) await runner.kill('SIGKILL');
      else await server.kill('SIGKILL');
      await eventually(
        async () => processesWith(killTag),
        (p) => p.length === 0,
        5_000,
        'no process after the kill',
      );
      if (!runner) {
        // A restart ends the build ABORTED; its processes are long gone.
        server = await KilnProcess.serve(env);
        expect((await finished(attacker, killed, kn)).state).toBe('ABORTED');
      }
    },
  );
});
