import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BuildState } from '../../src/domain/build.ts';
import type { Lease, LogChunk, RunnerPeer } from '../../src/protocol/runner-protocol.ts';
import { executeBuild, prepareSandbox, type ExecutionOptions } from '../../src/runner/build-execution.ts';
import { MirrorCache } from '../../src/runner/mirrors.ts';
import { TestRepo } from '../helpers/git.ts';
import { testRunnerOptions } from '../helpers/runner.ts';

/**
 * One failed call to the server never turns a good build into a bad one: a stand-in server that
 * fails each kind of call once (the build's start, each step's start and end, a log chunk, a
 * heartbeat, the outcome) still gets the whole build, SUCCESS. The runner's sandbox and mirror are
 * real; only the server is a stand-in (the runner knows it through the RunnerPeer port alone).
 */

class HiccupServer implements RunnerPeer {
  readonly calls: string[] = [];
  readonly failed = new Set<string>();
  output = Buffer.alloc(0);
  outcome: BuildState | undefined;
  outcomes = 0;

  constructor(private readonly failOnce: string[]) {}

  async announce(): Promise<void> {}
  async requeue(): Promise<void> {
    this.hiccup('requeue');
  }

  /** Fails the first call of a kind named in `failOnce`, as a dropped connection would. */
  private hiccup(kind: string): void {
    this.calls.push(kind);
    if (this.failOnce.includes(kind) && !this.failed.has(kind)) {
      this.failed.add(kind);
      throw new Error(`connect ECONNRESET (${kind})`);
    }
  }

  async next(): Promise<Lease | undefined> {
    return undefined;
  }
  async extend() {
    this.hiccup('extend');
    return { held: true, cancel: false };
  }
  async started() {
    this.hiccup('started');
  }
  async step(_id: string, report: { status: string }) {
    this.hiccup(report.status === 'running' ? 'step-start' : 'step-end');
  }
  async log(_id: string, chunk: LogChunk): Promise<number> {
    this.hiccup('log');
    if (chunk.offset === this.output.length)
      this.output = Buffer.concat([this.output, Buffer.from(chunk.data)]);
    return this.output.length;
  }
  async done(_id: string, result: { state: BuildState }) {
    this.outcomes++;
    this.hiccup('done');
    this.outcome = result.state;
  }
}

let repo: TestRepo;
let options: ExecutionOptions;
let mirrors: MirrorCache;
let builds = 0;

beforeAll(async () => {
  repo = new TestRepo();
  repo.commit('first', { 'v.txt': 'content\n' });
  const runner = await testRunnerOptions(1);
  mirrors = new MirrorCache(runner.sandbox, runner.workDir, runner.mirrors);
  options = { ...runner, mirrors, tools: Promise.resolve({}) };
});
afterAll(() => mirrors.close());

async function build(server: RunnerPeer): Promise<BuildState | undefined> {
  const n = ++builds;
  const lease: Lease = {
    recordId: `hiccup-${n}`,
    jobId: 'job',
    buildNumber: n,
    dailyBuildNumber: `20240101.${n}`,
    leaseMs: 10_000,
    logMaxBytes: 1_000_000,
    queuedForMs: 0,
    plan: {
      scm: { url: repo.url, buildType: 'branch', ref: 'main', commit: '' },
      steps: [
        { moduleId: 'kiln.shell', name: 'one', command: 'cat v.txt; echo step-one-ran', enabled: true },
        { moduleId: 'kiln.shell', name: 'two', command: 'echo step-two-ran', enabled: true },
      ],
      parameters: [],
      timeoutMs: 60_000,
      keepWorkspace: false,
    },
  };
  const ready = await prepareSandbox(options, 0, `hiccup-${n}`);
  return executeBuild(lease, server, options, new AbortController().signal, ready);
}

describe('a server that fails one call once', () => {
  for (const kind of ['started', 'step-start', 'step-end', 'log', 'extend', 'done']) {
    it(`${kind}: the build still runs every step and ends SUCCESS`, async () => {
      const server = new HiccupServer([kind]);
      const state = await build(server);
      const log = server.output.toString('utf8');
      expect(server.failed.has(kind), server.calls.join(' ')).toBe(true);
      expect(state, log).toBe('SUCCESS');
      expect(server.outcome).toBe('SUCCESS');
      expect(log).toContain('content');
      expect(log).toContain('step-one-ran');
      expect(log).toContain('step-two-ran');
      expect(log).toContain('build finished: SUCCESS');
    });
  }

  it('every kind at once', async () => {
    const server = new HiccupServer(['started', 'step-start', 'step-end', 'log', 'extend', 'done']);
    expect(await build(server)).toBe('SUCCESS');
    expect(server.outcome).toBe('SUCCESS');
    expect(server.output.toString('utf8')).toContain('step-two-ran');
  });
});
