import { hostname } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunnerPeer } from '../../src/protocol/runner-protocol.ts';
import { HttpRunnerPeer } from '../../src/runner/http-peer.ts';
import { Runner } from '../../src/runner/runner.ts';
import { createTestKiln, jobBody, TestClock, type TestKiln } from '../helpers/app.ts';
import { TestRepo } from '../helpers/git.ts';
import { testRunnerOptions } from '../helpers/runner.ts';

let kiln: TestKiln;
let token: string;
let base: string;
let repo: TestRepo;

async function createJob(name: string, command: string): Promise<string> {
  const res = await kiln.call(token, {
    method: 'POST',
    url: '/v3/jobs/create',
    payload: jobBody(await kiln.defaultProjectId(), {
      job_name: name,
      scms: [{ url: repo.url, scm_type: 'git', branch: 'main' }],
      steps: [{ module_id: 'kiln.shell', name: 'work', properties: { command } }],
    }),
  });
  return res.json().result.job_id;
}

async function record(jobId: string, n: number) {
  return (await kiln.call(token, { method: 'GET', url: `/v1/record/${jobId}/${n}/build-info-record` })).json()
    .result;
}

async function until<T>(fn: () => Promise<T>, ok: (v: T) => boolean, ms = 20_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (ok(v) || Date.now() > end) return v;
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function registerRunner(name: string): Promise<string> {
  const res = await kiln.call(token, { method: 'POST', url: '/v1/kiln/runners', payload: { name } });
  expect(res.statusCode).toBe(201);
  return res.json().result.token;
}

async function remoteRunner(peer: RunnerPeer): Promise<Runner> {
  return new Runner(peer, await testRunnerOptions(1));
}

beforeAll(async () => {
  kiln = await createTestKiln({ clock: TestClock.live(), leaseMs: 2_000 });
  await kiln.engine.start();
  await kiln.app.listen({ host: '127.0.0.1', port: 0 });
  const address = kiln.app.server.address();
  base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  token = await kiln.token();
  repo = new TestRepo();
  repo.commit('first');
});
afterAll(() => kiln.close());

describe('a remote runner over HTTP', () => {
  it('runs a build exactly as the local runner does', async () => {
    const runnerToken = await registerRunner('remote-1');
    const runner = await remoteRunner(new HttpRunnerPeer(base, runnerToken));
    runner.start();
    try {
      const jobId = await createJob('remote-ok', 'echo remote says $BUILD_NUMBER');
      await kiln.call(token, { method: 'POST', url: '/v3/jobs/build', payload: { job_id: jobId } });
      const r = await until(
        () => record(jobId, 1),
        (x) => x.job_running_status === 'Finished',
      );
      expect(r.state).toBe('SUCCESS');
      const log = await kiln.call(token, {
        method: 'GET',
        url: `/v3/jobs/${jobId}/1/real-time-log?offset=0`,
      });
      expect(log.json().result.content).toContain('remote says 1');
      // Its first line names it as Kiln knows it (its registered name, the one `kiln queue` shows),
      // not by its host alone: several runners on one host are told apart.
      expect(log.json().result.content.split('\n')[0]).toContain(
        `(#1) on runner remote-1 (host ${hostname()}, ${process.platform} ${process.arch}, pool `,
      );
      const runners = (await kiln.call(token, { method: 'GET', url: '/v1/kiln/runners' })).json().result
        .runners;
      expect(runners.find((x: { name: string }) => x.name === 'remote-1').last_seen_at).toBeGreaterThan(0);
      // It announced the tools builds find on its machine (node runs this test).
      const listed = await until(
        async () =>
          (await kiln.call(token, { method: 'GET', url: '/v1/kiln/runners' }))
            .json()
            .result.runners.find((x: { name: string }) => x.name === 'remote-1'),
        (x) => x.tools_reported_at > 0,
      );
      expect(listed.tools.node).toMatch(/^\d+\.\d+/);
      expect(listed.host).not.toBe('');
      // The history's commit messages name the build's commit and its author (reported by this remote runner).
      const messages = await kiln.call(token, {
        method: 'GET',
        url: `/v1/kiln/jobs/${jobId}/commit-messages?numbers=1,2`,
      });
      expect(messages.json().result.commits).toEqual([
        { build_number: 1, commit_message: 'first', commit_author: 'Kiln Test' },
      ]);
      // The build tells which runner ran it: by name, with the place it announced, never its id or host.
      const ran = await kiln.call(token, { method: 'GET', url: `/v1/kiln/jobs/${jobId}/1/runner` });
      expect(ran.json().result).toEqual({
        ran: true,
        name: 'remote-1',
        kind: 'remote',
        arch: process.arch,
        pool: expect.any(String),
      });
      expect(ran.body).not.toContain(listed.id);
      expect(ran.body).not.toContain(listed.host);
    } finally {
      await runner.stop();
    }
  });

  it('acknowledges a resent log chunk without storing it twice and refuses a gap', async () => {
    const runnerToken = await registerRunner('protocol-probe');
    const jobId = await createJob('probe', 'true');
    await kiln.call(token, { method: 'POST', url: '/v3/jobs/build', payload: { job_id: jobId } });
    const auth = { authorization: `Bearer ${runnerToken}` };
    const next = await fetch(`${base}/v1/kiln/runner/next`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ wait_ms: 5000 }),
    });
    expect(next.status).toBe(200);
    const lease = (await next.json()) as { recordId: string };
    const put = (offset: number, text: string) =>
      fetch(`${base}/v1/kiln/runner/builds/${lease.recordId}/log?offset=${offset}`, {
        method: 'PUT',
        headers: { ...auth, 'content-type': 'application/octet-stream' },
        body: text,
      });
    expect(await (await put(0, 'hello')).json()).toEqual({ size: 5 });
    expect(await (await put(0, 'hello')).json()).toEqual({ size: 5 });
    const gap = await put(9, 'x');
    expect(gap.status).toBe(416);
    expect(gap.headers.get('x-kiln-log-size')).toBe('5');
    expect(await (await put(5, ' world')).json()).toEqual({ size: 11 });
    const log = await kiln.call(token, { method: 'GET', url: `/v3/jobs/${jobId}/1/real-time-log?offset=0` });
    expect(log.json().result.content).toBe('hello world');
    const bad = await fetch(`${base}/v1/kiln/runner/next`, {
      method: 'POST',
      headers: { authorization: 'Bearer nope' },
    });
    expect(bad.status).toBe(401);
  });

  it('loses its build when it stops sending heartbeats: ABORTED with a line saying the runner was lost', async () => {
    const runnerToken = await registerRunner('vanishing');
    const peer = new HttpRunnerPeer(base, runnerToken);
    let dead = false;
    const dying: RunnerPeer = {
      next: (s, place) => peer.next(s, place),
      extend: (id) => (dead ? new Promise(() => {}) : peer.extend(id)),
      started: (id, c) => peer.started(id, c),
      step: (id, r) => peer.step(id, r),
      log: (id, c) => (dead ? new Promise(() => {}) : peer.log(id, c)),
      done: (id, r) => (dead ? new Promise(() => {}) : peer.done(id, r)),
      requeue: (id, r) => peer.requeue(id, r),
      release: (id) => peer.release(id),
      announce: (info) => peer.announce(info),
      artifact: (id, part) => peer.artifact(id, part),
      directArtifact: (id, upload) => peer.directArtifact(id, upload),
      commitDirectArtifact: (id, sent) => peer.commitDirectArtifact(id, sent),
      fetchArtifact: (id, url) => peer.fetchArtifact(id, url),
      directFetchArtifact: (id, url) => peer.directFetchArtifact(id, url),
      fetchFile: (id, name) => peer.fetchFile(id, name),
    };
    const runner = await remoteRunner(dying);
    runner.start();
    const jobId = await createJob('vanish', 'echo started; sleep 30');
    await kiln.call(token, { method: 'POST', url: '/v3/jobs/build', payload: { job_id: jobId } });
    await until(
      () => record(jobId, 1),
      (x) => x.job_running_status === 'Running',
    );
    dead = true;
    const began = Date.now();
    const r = await until(
      () => record(jobId, 1),
      (x) => x.job_running_status === 'Finished',
    );
    expect(r.state).toBe('ABORTED');
    expect(Date.now() - began).toBeLessThan(2_000 + 10_000);
    const log = await kiln.call(token, { method: 'GET', url: `/v3/jobs/${jobId}/1/real-time-log?offset=0` });
    const content: string = log.json().result.content;
    expect(content).toMatch(
      /\[kiln\] runner vanishing, which ran this build, was lost \(it stopped sending heartbeats\)\n/,
    );
    expect(content.trimEnd().endsWith('[kiln] build finished: ABORTED')).toBe(true);
    void runner.stop();
  });
});
