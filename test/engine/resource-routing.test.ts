import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunnerPeer } from '../../src/protocol/runner-protocol.ts';
import { HttpRunnerPeer } from '../../src/runner/http-peer.ts';
import { Runner } from '../../src/runner/runner.ts';
import { TestRepo } from '../helpers/git.ts';
import { TEST_DATABASE_URL } from '../helpers/postgres.ts';
import { testRunnerOptions } from '../helpers/runner.ts';
import { newYamlJob, startEngineKiln, type EngineKiln } from '../helpers/engine.ts';

/**
 * A build.yml's env.resource routes the build to a runner that can give it: two runners in
 * different pools (the server's own in `default`, a remote one over HTTP in `big`); a build that
 * asks for pool big and is claimed by the server's runner first goes back to the queue and ends
 * SUCCESS on the big runner, its log going on after the first runner's lines. A pool no runner is
 * in fails the build, naming it; `type: Linux` (older CodeArts pages) is a pool like `custom`, and
 * `type: macOS` fails the build. Real builds, on SQLite and PostgreSQL.
 */

const yml = (pool: string, type = 'custom') => `version: 2.0
env:
  resource:
    type: ${type}
    pool: ${pool}
steps:
  BUILD:
    - sh:
        name: where
        inputs:
          command: echo "ran-in-pool-${pool}"
`;

const STORES: ['sqlite' | 'postgres', boolean][] = [
  ['sqlite', true],
  ['postgres', Boolean(TEST_DATABASE_URL)],
];

describe.each(STORES)('env.resource routing, %s', (store, enabled) => {
  let ek: EngineKiln;
  let remote: Runner;
  let remoteId: string;
  let repo: TestRepo;
  /** The big runner asks for work only once this is resolved: the server's runner claims first. */
  let openGate: () => void = () => {};
  const gate = new Promise<void>((r) => (openGate = r));

  beforeAll(async () => {
    if (!enabled) return;
    ek = await startEngineKiln({ store, runner: { slots: 1, env: { KILN_RUNNER_POOL: 'default' } } });
    await ek.kiln.app.listen({ host: '127.0.0.1', port: 0 });
    const address = ek.kiln.app.server.address();
    const base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    const res = await ek.post('/v1/kiln/runners', { name: `big-${store}` });
    expect(res.statusCode, res.body).toBe(201);
    remoteId = `remote:${res.json().result.runner.id as string}`;
    const http = new HttpRunnerPeer(base, res.json().result.token);
    const gated: RunnerPeer = {
      next: async (signal, place) => {
        await gate;
        return http.next(signal, place);
      },
      extend: (id) => http.extend(id),
      started: (id, c) => http.started(id, c),
      step: (id, r) => http.step(id, r),
      log: (id, c) => http.log(id, c),
      done: (id, r) => http.done(id, r),
      requeue: (id, r) => http.requeue(id, r),
      release: (id) => http.release(id),
      announce: (info) => http.announce(info),
      artifact: (id, part) => http.artifact(id, part),
      directArtifact: (id, upload) => http.directArtifact(id, upload),
      commitDirectArtifact: (id, sent) => http.commitDirectArtifact(id, sent),
      fetchArtifact: (id, url) => http.fetchArtifact(id, url),
      directFetchArtifact: (id, url) => http.directFetchArtifact(id, url),
      fetchFile: (id, name) => http.fetchFile(id, name),
    };
    remote = new Runner(gated, await testRunnerOptions(1, { KILN_RUNNER_POOL: 'big' }));
    remote.start();
    // The server routes to runners that announced where they are.
    const deadline = Date.now() + 30_000;
    while (!(await ek.kiln.storage.runners.listTools()).some((t) => t.pool === 'big')) {
      if (Date.now() > deadline) throw new Error('the big runner never announced itself');
      await new Promise((r) => setTimeout(r, 50));
    }
    repo = new TestRepo();
    repo.commit('build files', {
      '.cloudbuild/build.yml': yml('big'),
      'ci/gpu.yml': yml('gpu'),
      // Older CodeArts pages' pool type, in their case.
      'ci/default.yml': yml('default', 'Linux'),
      'ci/mac.yml': yml('default', 'macOS'),
    });
  }, 60_000);

  afterAll(async () => {
    if (!enabled) return;
    openGate();
    await remote.stop();
    ek.kiln.app.server.closeAllConnections();
    await ek.close();
  });

  const scms = () => [{ url: repo.url, scm_type: 'git', branch: 'main' }];
  async function runnerOf(job: string, n: number): Promise<string | null | undefined> {
    const build = await ek.kiln.storage.builds.findByNumber(job, n);
    return build && (await ek.kiln.storage.builds.findRun(build.recordId))?.runnerId;
  }

  it.skipIf(!enabled)(
    'hands a build the first runner cannot run to one that can; the log goes on after the first lines',
    async () => {
      const job = await ek.newJob({ build_config_type: 'YAML', scms: scms(), steps: [] });
      await ek.run(job);
      await ek.waitLog(job, 1, /back in the queue for a runner with pool big/, 30_000);
      openGate();
      const r = await ek.waitFinished(job, 1, 60_000);
      const log = await ek.log(job, 1);
      expect(r.state, log).toBe('SUCCESS');
      expect(await runnerOf(job, 1)).toBe(remoteId);
      const lines = log.split('\n');
      expect(lines[0]).toMatch(/^\[kiln\] build \S+ \(#1\) on /);
      const handOver = lines.findIndex((l) =>
        /^\[kiln\] runner \S+ cannot give what env\.resource asks \(\.cloudbuild\/build\.yml: the build asks for pool big \(env\.resource\.pool\); runner \S+ is in pool default\); the build goes back to the server/.test(
          l,
        ),
      );
      expect(handOver, log).toBeGreaterThan(0);
      expect(lines[handOver + 1]).toBe('[kiln] back in the queue for a runner with pool big');
      expect(lines[handOver + 2]).toMatch(/^\[kiln\] build \S+ \(#1\) on /);
      expect(lines.indexOf('ran-in-pool-big')).toBeGreaterThan(handOver);
      expect(log).toContain('[kiln] build finished: SUCCESS');
      expect(log.match(/build finished/g)).toHaveLength(1);
      expect((await ek.details(job, 1)).build_steps.map((s) => [s.name, s.status])).toEqual([
        ['where', 'success'],
      ]);
    },
    90_000,
  );

  it.skipIf(!enabled)(
    'a build that asks for a Linux pool default ends on the server runner, whichever runner claims it',
    async () => {
      openGate();
      const job = await newYamlJob(ek, repo.url, 'ci/default.yml');
      await ek.run(job);
      const r = await ek.waitFinished(job, 1, 60_000);
      const log = await ek.log(job, 1);
      expect(r.state, log).toBe('SUCCESS');
      expect(log).toContain('ran-in-pool-default');
      expect(await runnerOf(job, 1)).toBe('local:test');
    },
    90_000,
  );

  it.skipIf(!enabled)(
    'fails a build that asks for a pool no runner is in, naming it',
    async () => {
      openGate();
      const job = await newYamlJob(ek, repo.url, 'ci/gpu.yml');
      await ek.run(job);
      const r = await ek.waitFinished(job, 1, 60_000);
      const log = await ek.log(job, 1);
      expect(r.state, log).toBe('FAILURE');
      expect(log).toMatch(
        /\[kiln\] build\.yml: ci\/gpu\.yml: the build asks for pool gpu \(env\.resource\.pool\); runner \S+ is in pool (default|big); no runner known has pool gpu/,
      );
      expect(log).not.toContain('ran-in-pool');
      expect(log.match(/build finished: FAILURE/g)).toHaveLength(1);
    },
    90_000,
  );

  it.skipIf(!enabled)(
    'fails a build that asks for a macOS machine, saying the runners are Linux machines',
    async () => {
      openGate();
      const job = await newYamlJob(ek, repo.url, 'ci/mac.yml');
      await ek.run(job);
      const r = await ek.waitFinished(job, 1, 60_000);
      const log = await ek.log(job, 1);
      expect(r.state, log).toBe('FAILURE');
      expect(log).toContain(
        `ci/mac.yml: env.resource.type "macOS" asks for a macOS machine; Kiln's runners are Linux machines`,
      );
      expect(log).not.toContain('ran-in-pool');
      expect(log).not.toContain('back in the queue');
      expect(log.match(/build finished: FAILURE/g)).toHaveLength(1);
    },
    90_000,
  );
});
