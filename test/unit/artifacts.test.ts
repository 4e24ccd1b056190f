import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, utimesSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  artifactNameProblem,
  artifactPath,
  artifactsToDrop,
  parseArtifactUrl,
  type BuildWithArtifacts,
} from '../../src/domain/artifact.ts';
import { byteRange } from '../../src/server/routes/artifacts.routes.ts';
import { ArtifactTooLargeError } from '../../src/storage/errors.ts';
import { FsArtifactBlobs } from '../../src/storage/files/fs-artifact-blobs.ts';

const JOB = 'a'.repeat(32);
const DAY = 86_400_000;
const NOW = 1_700_000_000_000;

async function* bytes(...parts: string[]): AsyncIterable<Uint8Array> {
  for (const p of parts) yield Buffer.from(p);
}

async function text(stream: NodeJS.ReadableStream): Promise<string> {
  const parts: Buffer[] = [];
  for await (const chunk of stream) parts.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(parts).toString('utf8');
}

describe('artifact names and addresses', () => {
  it('takes a file name, never a path', () => {
    expect(artifactNameProblem('app-1.0.jar')).toBeUndefined();
    expect(artifactNameProblem('报告 final.pdf')).toBeUndefined();
    for (const bad of ['', '.', '..', 'a/b', 'a\\b', 'x\ny', 'x'.repeat(256)])
      expect(artifactNameProblem(bad), bad).toBeDefined();
  });

  it('reads the download path back, alone or in a URL of any host', () => {
    const path = artifactPath(JOB, 12, 'my app.jar');
    expect(path).toBe(`/v1/kiln/jobs/${JOB}/12/artifacts/my%20app.jar`);
    const address = { jobId: JOB, buildNumber: 12, name: 'my app.jar' };
    expect(parseArtifactUrl(path)).toEqual(address);
    expect(parseArtifactUrl(`https://kiln.example:8443${path}`)).toEqual(address);
    for (const bad of [
      `/v1/kiln/jobs/${JOB}/0/artifacts/x`,
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

describe('artifact bytes on the filesystem', () => {
  const dirs: string[] = [];
  const store = () => {
    const dir = mkdtempSync(join(tmpdir(), 'kiln-blobs-'));
    dirs.push(dir);
    return { dir, blobs: new FsArtifactBlobs(dir) };
  };
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it('appends parts where they end, commits them with their sha256, serves ranges, deletes', async () => {
    const { blobs } = store();
    expect(await blobs.partSize('u1')).toBe(0);
    expect(await blobs.appendPart('u1', 0, bytes('hello '), 100)).toBe(6);
    await expect(blobs.appendPart('u1', 0, bytes('again'), 100)).rejects.toThrow('holds 6 bytes, not 0');
    expect(await blobs.appendPart('u1', 6, bytes('wor', 'ld'), 100)).toBe(11);
    const stored = await blobs.commitPart('u1', 'key1');
    expect(stored).toEqual({ size: 11, sha256: createHash('sha256').update('hello world').digest('hex') });
    expect(await blobs.partSize('u1')).toBe(0);
    expect(await text(await blobs.read('key1'))).toBe('hello world');
    expect(await text(await blobs.read('key1', { start: 6, end: 10 }))).toBe('world');
    const listed = [];
    for await (const b of blobs.listBlobs()) listed.push(b.key);
    expect(listed).toEqual(['key1']);
    await blobs.delete(['key1', 'never-there']);
    await expect(blobs.read('key1')).rejects.toThrow('gone');
  });

  it('hashes a part resumed by another process from its start', async () => {
    const { dir, blobs } = store();
    await blobs.appendPart('u2', 0, bytes('first half '), 100);
    const restarted = new FsArtifactBlobs(dir);
    await restarted.appendPart('u2', 11, bytes('second half'), 100);
    const stored = await restarted.commitPart('u2', 'key2');
    expect(stored.sha256).toBe(createHash('sha256').update('first half second half').digest('hex'));
  });

  it('stops a part at its limit, and drops stale parts', async () => {
    const { dir, blobs } = store();
    await expect(blobs.appendPart('u3', 0, bytes('12345', '67890'), 7)).rejects.toBeInstanceOf(
      ArtifactTooLargeError,
    );
    await blobs.discardPart('u3');
    expect(await blobs.partSize('u3')).toBe(0);
    await blobs.appendPart('old', 0, bytes('x'), 10);
    await blobs.appendPart('new', 0, bytes('y'), 10);
    const old = new Date(NOW - 2 * DAY);
    utimesSync(join(dir, 'parts', 'old'), old, old);
    expect(await blobs.dropStaleParts(NOW - DAY)).toBe(1);
    expect(readdirSync(join(dir, 'parts'))).toEqual(['new']);
  });

  it('refuses keys that are not its own', async () => {
    const { blobs } = store();
    await expect(blobs.read('../../etc/passwd')).rejects.toThrow('not a storage key');
    await expect(blobs.partSize('.hidden')).rejects.toThrow('not a storage key');
  });
});
