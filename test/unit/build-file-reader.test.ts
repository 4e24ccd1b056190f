import { getEventListeners } from 'node:events';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { isMainThread } from 'node:worker_threads';
import { afterAll, describe, expect, it } from 'vitest';
import { readBuildFile } from '../../src/runner/build-file-reader.ts';
import { buildYamlSteps } from '../../src/runner/yaml-steps.ts';
import { referenceRead, slowFlowFiles } from '../helpers/slow-build-file.ts';

/**
 * Code-based builds' files are read on a thread of their own (the server's event loop goes on
 * answering meanwhile): the answers are buildYamlSteps' own, mistakes in files included, and reads
 * in flight together each get theirs. A build stopped during its read does not wait for it.
 */

const workspace = mkdtempSync(join(tmpdir(), 'kiln-build-file-'));
afterAll(() => rmSync(workspace, { recursive: true, force: true }));
mkdirSync(join(workspace, '.cloudbuild'));
writeFileSync(
  join(workspace, '.cloudbuild/build.yml'),
  'version: 2.0\nparams:\n  - {name: GREETING, value: hi}\nsteps:\n  BUILD:\n    - sh: {name: "say ${GREETING}", inputs: {command: echo}}\n',
);
writeFileSync(join(workspace, 'broken.yml'), 'version: 2.0\nsteps: [\n');
for (const [path, text] of Object.entries(slowFlowFiles('slow', 4))) {
  mkdirSync(dirname(join(workspace, path)), { recursive: true });
  writeFileSync(join(workspace, path), text);
}

const runner = { name: 'r', arch: process.arch, pool: 'default' };
const args = (path: string) => [workspace, path, [], { BUILDNUMBER: '1' }, runner] as const;

describe('reading build files on their own thread', () => {
  it("answers as buildYamlSteps does, a file's mistakes included, for reads in flight together", async () => {
    expect(isMainThread).toBe(true);
    const signal = new AbortController().signal;
    const [good, broken, missing] = await Promise.all([
      readBuildFile(signal, ...args('.cloudbuild/build.yml')),
      readBuildFile(signal, ...args('broken.yml')),
      readBuildFile(signal, ...args('none.yml')),
    ]);
    // Each read answered took its listener off the build's signal.
    expect(getEventListeners(signal, 'abort')).toEqual([]);
    expect(good).toEqual(buildYamlSteps(...args('.cloudbuild/build.yml')));
    expect(good).toMatchObject({
      steps: [{ name: 'say hi' }],
      parameters: new Map([
        ['GREETING', 'hi'],
        ['BUILDNUMBER', '1'],
      ]),
    });
    expect(broken).toEqual(buildYamlSteps(...args('broken.yml')));
    expect(broken).toMatchObject({ error: expect.stringMatching(/^broken\.yml:\d+:\d+: /) });
    expect(missing).toMatchObject({ error: expect.stringContaining('none.yml') });
  });

  it('a stop ends a read under way at once and drops one waiting; the reads behind go on', async () => {
    const free = () => new AbortController();
    // The thread is started and idle: the next read goes to it at once.
    await readBuildFile(free().signal, ...args('.cloudbuild/build.yml'));
    // The same slow read, on a thread of the test's, begun before the reader's.
    const reference = referenceRead(...args('slow/flow.yml'));
    try {
      await reference.begun;
      const underWay = free();
      const slow = readBuildFile(underWay.signal, ...args('slow/flow.yml'));
      const waits = free();
      const dropped = readBuildFile(waits.signal, ...args('slow/flow.yml'));
      const behind = free();
      const after = readBuildFile(behind.signal, ...args('.cloudbuild/build.yml'));
      waits.abort();
      await expect(dropped).rejects.toThrow('reading the build file was stopped');
      underWay.abort();
      await expect(slow).rejects.toThrow('reading the build file was stopped');
      // The same work, begun earlier, is still going: the stop did not wait for the read.
      expect(reference.done()).toBe(false);
      // A new thread took the read behind them, and did not read the dropped one first.
      expect(await after).toEqual(buildYamlSteps(...args('.cloudbuild/build.yml')));
      expect(reference.done()).toBe(false);
      expect(getEventListeners(behind.signal, 'abort')).toEqual([]);
      // A stop after the answer changes nothing, and the reader goes on.
      behind.abort();
      const again = await readBuildFile(free().signal, ...args('broken.yml'));
      expect(again).toMatchObject({ error: expect.stringMatching(/^broken\.yml:/) });
    } finally {
      await reference.stop();
    }
  }, 60_000);

  it('a read asked for a build already stopped is not read', async () => {
    const stopped = new AbortController();
    stopped.abort();
    await expect(readBuildFile(stopped.signal, ...args('slow/flow.yml'))).rejects.toThrow(
      'reading the build file was stopped',
    );
    expect(getEventListeners(stopped.signal, 'abort')).toEqual([]);
  });
});
