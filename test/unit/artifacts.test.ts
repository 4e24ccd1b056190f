import { describe, expect, it } from 'vitest';
import {
  artifactNameProblem,
  artifactPath,
  artifactsToDrop,
  parseArtifactUrl,
  type BuildWithArtifacts,
} from '../../src/domain/artifact.ts';
import { byteRange } from '../../src/server/routes/artifacts.routes.ts';

const JOB = 'a'.repeat(32);
const DAY = 86_400_000;
const NOW = 1_700_000_000_000;

describe('artifact names and addresses', () => {
  it('takes a file name, never a path', () => {
    expect(artifactNameProblem('app-1.0.jar')).toBeUndefined();
    expect(artifactNameProblem('报告 final.pdf')).toBeUndefined();
    // `.git` would replace the checkout's repository in the workspace a download writes to.
    expect(artifactNameProblem('.gitignore')).toBeUndefined();
    for (const bad of ['', '.', '..', '.git', 'a/b', 'a\\b', 'x\ny', 'x\u009b2Jy', 'x'.repeat(256)])
      expect(artifactNameProblem(bad), bad).toBeDefined();
  });

  it('reads the download path back, alone or in a URL of any host', () => {
    const path = artifactPath(JOB, 12, 'my app.jar');
    expect(path).toBe(`/v1/kiln/jobs/${JOB}/12/artifacts/my%20app.jar`);
    const address = { jobId: JOB, buildNumber: 12, name: 'my app.jar' };
    expect(parseArtifactUrl(path)).toEqual(address);
    expect(parseArtifactUrl(`https://kiln.example:8443${path}`)).toEqual(address);
    expect(parseArtifactUrl(artifactPath(JOB, 2147483647, 'a'))?.buildNumber).toBe(2147483647);
    for (const bad of [
      `/v1/kiln/jobs/${JOB}/0/artifacts/x`,
      `/v1/kiln/jobs/${JOB}/2147483648/artifacts/x`,
      `/v1/kiln/jobs/${JOB}/1/artifacts/a%2Fb`,
      `/v1/kiln/jobs/${JOB}/1/artifacts/..`,
      `/v1/kiln/jobs/${JOB}/1/artifacts/%E0%A4%A`,
      'https://repo.example/release/app.jar',
    ])
      expect(parseArtifactUrl(bad), bad).toBeUndefined();
  });
});

describe('artifact retention', () => {
  const builds: BuildWithArtifacts[] = [
    { recordId: 'r6', number: 6, state: '', finishedAt: null },
    { recordId: 'r5', number: 5, state: 'FAILURE', finishedAt: NOW - 1 * DAY },
    { recordId: 'r4', number: 4, state: 'SUCCESS', finishedAt: NOW - 2 * DAY },
    { recordId: 'r3', number: 3, state: 'FAILURE', finishedAt: NOW - 3 * DAY },
    { recordId: 'r2', number: 2, state: 'SUCCESS', finishedAt: NOW - 10 * DAY },
    { recordId: 'r1', number: 1, state: 'SUCCESS', finishedAt: NOW - 20 * DAY },
  ];

  it('keeps everything without a rule', () => {
    expect(artifactsToDrop(builds, {}, NOW)).toEqual([]);
  });

  it('keeps the newest N, and always the last successful build and builds still running', () => {
    expect(artifactsToDrop(builds, { builds: 1 }, NOW)).toEqual(['r5', 'r3', 'r2', 'r1']);
    expect(artifactsToDrop(builds, { builds: 3 }, NOW)).toEqual(['r3', 'r2', 'r1']);
  });

  it("counts a BuildFlow's jobs as one build, kept whole while the flow runs", () => {
    const running = { recordId: 'f6', finishedAt: null };
    const ended = { recordId: 'f2', finishedAt: NOW - 5 * DAY };
    const flows: BuildWithArtifacts[] = [
      { recordId: 'c8', number: 8, state: 'SUCCESS', finishedAt: NOW - 1 * DAY, flow: running },
      { recordId: 'c7', number: 7, state: 'SUCCESS', finishedAt: NOW - 2 * DAY, flow: running },
      { recordId: 'r5', number: 5, state: 'FAILURE', finishedAt: NOW - 3 * DAY },
      { recordId: 'c4', number: 4, state: 'SUCCESS', finishedAt: NOW - 5 * DAY, flow: ended },
      { recordId: 'c3', number: 3, state: 'FAILURE', finishedAt: NOW - 6 * DAY, flow: ended },
      { recordId: 'r1', number: 1, state: 'SUCCESS', finishedAt: NOW - 9 * DAY },
    ];
    // The running flow is the newest build: r5 and the ended flow go, whole.
    expect(artifactsToDrop(flows, { builds: 1 }, NOW)).toEqual(['r5', 'c4', 'c3', 'r1']);
    expect(artifactsToDrop(flows, { builds: 3 }, NOW)).toEqual(['r1']);
    // Its jobs' ages do not matter while it runs; an ended flow's age is its newest job's.
    expect(artifactsToDrop(flows, { days: 1 }, NOW)).toEqual(['r5', 'c4', 'c3', 'r1']);
    expect(artifactsToDrop(flows, { days: 5.5 }, NOW)).toEqual(['r1']);
    // Once it ends, its jobs go together too, the last success excepted.
    const over = flows.map((b) => (b.flow === running ? { ...b, flow: { ...running, finishedAt: NOW } } : b));
    expect(artifactsToDrop(over, { days: 0.5 }, NOW + DAY)).toEqual(['c7', 'r5', 'c4', 'c3', 'r1']);
  });

  it("counts an ended flow's age from its end, not from the end of its jobs that kept artifacts", () => {
    // The flow's job that kept artifacts ended 3 days ago; another job of it (that kept none) ran
    // on, and the flow ended an hour ago: the flow is an hour old, as docs/build-yaml.md says.
    const flow = { recordId: 'f1', finishedAt: NOW - DAY / 24 };
    const builds: BuildWithArtifacts[] = [
      { recordId: 'r4', number: 4, state: 'SUCCESS', finishedAt: NOW - DAY / 48 },
      { recordId: 'c2', number: 2, state: 'SUCCESS', finishedAt: NOW - 3 * DAY, flow },
    ];
    expect(artifactsToDrop(builds, { days: 1 }, NOW)).toEqual([]);
    expect(artifactsToDrop(builds, { days: 1 }, NOW + 2 * DAY)).toEqual(['c2']);
  });

  it('keeps D days, and a build past either rule goes', () => {
    expect(artifactsToDrop(builds, { days: 5 }, NOW)).toEqual(['r2', 'r1']);
    expect(artifactsToDrop(builds, { days: 5, builds: 3 }, NOW)).toEqual(['r3', 'r2', 'r1']);
    expect(artifactsToDrop(builds, { days: 1 }, NOW)).toEqual(['r3', 'r2', 'r1']);
  });
});

describe('byte ranges of a download', () => {
  it('reads one range, a suffix, an open end; past the end is null; anything else is the whole file', () => {
    expect(byteRange('bytes=0-99', 1000)).toEqual({ start: 0, end: 99 });
    expect(byteRange('bytes=900-', 1000)).toEqual({ start: 900, end: 999 });
    expect(byteRange('bytes=900-5000', 1000)).toEqual({ start: 900, end: 999 });
    expect(byteRange('bytes=-100', 1000)).toEqual({ start: 900, end: 999 });
    expect(byteRange('bytes=-5000', 1000)).toEqual({ start: 0, end: 999 });
    expect(byteRange('bytes=1000-', 1000)).toBeNull();
    expect(byteRange('bytes=5-2', 1000)).toBeNull();
    expect(byteRange('bytes=-0', 1000)).toBeNull();
    expect(byteRange(undefined, 1000)).toBeUndefined();
    expect(byteRange('bytes=0-1,5-6', 1000)).toBeUndefined();
    expect(byteRange('items=0-1', 1000)).toBeUndefined();
  });
});
