import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import type { ToolProbe } from '../../src/domain/tools.ts';
import { detectTools } from '../../src/runner/tools.ts';

/**
 * detectTools keeps what it found for the process (runner after runner asks once): only for the
 * same question, so probes that read the same program's output differently each get their answer.
 */

const dir = mkdtempSync(join(tmpdir(), 'kiln-tools-detect-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
writeFileSync(join(dir, 'kiln-fake-tool'), '#!/bin/sh\necho "Fake 1.2.3 (build 4.5.6)"\n');
chmodSync(join(dir, 'kiln-fake-tool'), 0o755);

it('answers probes that differ only in their pattern each by its own', async () => {
  const settings = { path: dir, visible: () => true };
  const probe: ToolProbe = { tool: 'node', program: 'kiln-fake-tool', args: ['--version'] };
  expect(await detectTools({ ...settings, probes: [probe] })).toEqual({ node: '1.2.3' });
  expect(await detectTools({ ...settings, probes: [{ ...probe, pattern: /build (\d[\d.]*)/ }] })).toEqual({
    node: '4.5.6',
  });
});
