import { hostname } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BuildState } from '../../src/domain/build.ts';
import { createHash } from 'node:crypto';
import {
  ArtifactGapError,
  type ArtifactDownload,
  type ArtifactPart,
  type Lease,
  type LogChunk,
  type RunnerPeer,
  type StoredArtifact,
} from '../../src/protocol/runner-protocol.ts';
import { executeBuild, prepareSandbox, type ExecutionOptions } from '../../src/runner/build-execution.ts';
import { MirrorCache } from '../../src/runner/mirrors.ts';
import { TestRepo } from '../helpers/git.ts';
import { testRunnerOptions } from '../helpers/runner.ts';

/**
 * One failed call to the server never turns a good build into a bad one: a stand-in server that
 * fails each kind of call once (the build's start, each step's start and end, a log chunk, a
 * heartbeat, the outcome, an artifact upload cut off halfway, an artifact download) still gets
 * the whole build, SUCCESS, and every artifact byte once. The runner's sandbox and mirror are
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
  /** Its store takes no direct uploads: artifacts come through artifact(). */
  async directArtifact(): Promise<undefined> {
    this.hiccup('direct-target');
    return undefined;
  }
  async commitDirectArtifact(): Promise<never> {
    throw new Error('no direct upload was offered');
  }
  async directFetchArtifact(): Promise<undefined> {
    this.hiccup('direct-source');
    return undefined;
  }
  async requeue(): Promise<void> {
    this.hiccup('requeue');
  }
  async release(): Promise<void> {
    this.hiccup('release');
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

  /** Bytes received of each artifact; whole ones are kept. */
  readonly parts = new Map<string, Buffer>();
  readonly artifacts = new Map<string, Buffer>();

  /** Fails once after a first megabyte has arrived, as a connection that drops mid-upload. */
  async artifact(_id: string, part: ArtifactPart): Promise<StoredArtifact> {
    this.calls.push('artifact');
    let held = this.parts.get(part.name) ?? Buffer.alloc(0);
    if (part.offset !== held.length) throw new ArtifactGapError(held.length);
    for await (const chunk of part.body) {
      held = Buffer.concat([held, Buffer.from(chunk)]);
      this.parts.set(part.name, held);
      if (held.length >= 1024 * 1024 && this.failOnce.includes('artifact') && !this.failed.has('artifact')) {
        this.failed.add('artifact');
        throw new Error('connect ECONNRESET (artifact)');
      }
    }
    this.artifacts.set(part.name, held);
    return { name: part.name, version: part.version, size: held.length, sha256: sha256(held) };
  }

  async fetchArtifact(_id: string, url: string): Promise<ArtifactDownload> {
    this.hiccup('fetch');
    const name = url.split('/').pop() ?? '';
    const bytes = this.artifacts.get(name) ?? Buffer.alloc(0);
    return {
      name,
      size: bytes.length,
      sha256: sha256(bytes),
      body: (async function* () {
        yield bytes;
      })(),
    };
  }

  async fetchFile(_id: string, name: string): Promise<ArtifactDownload> {
    this.hiccup('file');
    return this.fetchArtifact(_id, name);
  }
}

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

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
        {
          moduleId: 'kiln.shell',
          name: 'make',
          command: 'mkdir out && head -c 3000000 /dev/urandom > out/app.bin',
          enabled: true,
        },
        {
          moduleId: 'upload_artifact',
          action: 'upload_artifact',
          name: 'keep',
          command: '',
          enabled: true,
          inputs: { path: 'out/*.bin' },
        },
        {
          moduleId: 'download_artifact',
          action: 'download_artifact',
          name: 'fetch',
          command: '',
          enabled: true,
          inputs: { url: 'app.bin' },
        },
        {
          moduleId: 'kiln.shell',
          name: 'compare',
          command: 'cmp app.bin out/app.bin && echo download-matches',
          enabled: true,
        },
      ],
      parameters: [],
      timeoutMs: 60_000,
      keepWorkspace: false,
    },
  };
  const ready = await prepareSandbox(options, 0, `hiccup-${n}`);
  return executeBuild(lease, server, options, new AbortController().signal, ready);
}

/** Every kind of call the stand-in fails once. */
const KINDS = [
  'direct-source',
  'started',
  'step-start',
  'step-end',
  'log',
  'extend',
  'done',
  'direct-target',
  'artifact',
  'fetch',
];

describe('a server that fails one call once', () => {
  for (const kind of KINDS) {
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
      expect(log).toContain('download-matches');
      expect(server.artifacts.get('app.bin')?.length).toBe(3_000_000);
      expect(log).toContain('build finished: SUCCESS');
    });
  }

  it('every kind at once', async () => {
    const server = new HiccupServer(KINDS);
    expect(await build(server)).toBe('SUCCESS');
    expect(server.outcome).toBe('SUCCESS');
    expect(server.output.toString('utf8')).toContain('step-two-ran');
    // The lease names no runner (a server older than Lease.runnerName): the runner goes by its host.
    expect(server.output.toString('utf8').split('\n')[0]).toContain(
      `(#${builds}) on runner ${hostname()} (${process.platform} ${process.arch}, pool `,
    );
  });
});
