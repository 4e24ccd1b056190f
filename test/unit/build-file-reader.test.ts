import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isMainThread } from 'node:worker_threads';
import { afterAll, describe, expect, it } from 'vitest';
import { readBuildFile } from '../../src/runner/build-file-reader.ts';
import { buildYamlSteps } from '../../src/runner/yaml-steps.ts';

/**
 * Code-based builds' files are read on a thread of their own (the server's event loop goes on
 * answering meanwhile): the answers are buildYamlSteps' own, mistakes in files included, and reads
 * in flight together each get theirs.
 */

const workspace = mkdtempSync(join(tmpdir(), 'kiln-build-file-'));
afterAll(() => rmSync(workspace, { recursive: true, force: true }));
mkdirSync(join(workspace, '.cloudbuild'));
writeFileSync(
  join(workspace, '.cloudbuild/build.yml'),
  'version: 2.0\nparams:\n  - {name: GREETING, value: hi}\nsteps:\n  BUILD:\n    - sh: {name: "say ${GREETING}", inputs: {command: echo}}\n',
);
writeFileSync(join(workspace, 'broken.yml'), 'version: 2.0\nsteps: [\n');

const runner = { name: 'r', arch: process.arch, pool: 'default' };
const args = (path: string) => [workspace, path, [], { BUILDNUMBER: '1' }, runner] as const;

describe('reading build files on their own thread', () => {
  it("answers as buildYamlSteps does, a file's mistakes included, for reads in flight together", async () => {
    expect(isMainThread).toBe(true);
    const [good, broken, missing] = await Promise.all([
      readBuildFile(...args('.cloudbuild/build.yml')),
      readBuildFile(...args('broken.yml')),
      readBuildFile(...args('none.yml')),
    ]);
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
});
