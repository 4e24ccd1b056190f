import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { MAX_DEPTH, walkWorkspace } from '../../src/runner/workspace-walk.ts';

/**
 * A walk of the workspace goes no deeper than MAX_DEPTH (each level holds a descriptor) and says
 * so: it answers false, as for too many entries, so upload_artifact tells the build instead of
 * leaving the deeper files out without a word.
 */

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function workspaceWithDepth(levels: number): string {
  const root = mkdtempSync(join(tmpdir(), 'kiln-walk-'));
  dirs.push(root);
  const deepest = join(root, ...Array.from({ length: levels }, () => 'd'));
  mkdirSync(deepest, { recursive: true });
  writeFileSync(join(deepest, 'file.txt'), 'deep\n');
  writeFileSync(join(root, 'top.txt'), 'top\n');
  return root;
}

it('walks a workspace MAX_DEPTH levels deep whole', async () => {
  const files: string[] = [];
  const whole = await walkWorkspace(
    workspaceWithDepth(MAX_DEPTH),
    (p, dir) => void (dir || files.push(p)),
    10_000,
  );
  expect(whole).toBe(true);
  expect(files).toHaveLength(2);
});

it('says it left something out of a workspace deeper than MAX_DEPTH', async () => {
  const files: string[] = [];
  const whole = await walkWorkspace(
    workspaceWithDepth(MAX_DEPTH + 2),
    (p, dir) => void (dir || files.push(p)),
    10_000,
  );
  expect(whole).toBe(false);
  expect(files).toEqual(['top.txt']);
});
