import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { partPath } from '../../src/cli/artifact-files.ts';

/** Where `kiln artifacts download` keeps an unfinished file. */
describe('partPath', () => {
  it('is NAME.part beside the file', () => {
    expect(partPath('/out/app.bin')).toBe('/out/app.bin.part');
  });

  it('is a hidden name of its own when NAME.part is taken by another artifact of the build', () => {
    const part = partPath('/out/app.bin', true);
    expect(part).toMatch(/^\/out\/\.[0-9a-f]{32}\.part$/);
    expect(part).toBe(partPath('/out/app.bin', true));
  });

  it('fits a file name for an artifact name of up to 255 bytes, the same each run, and can be written', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kiln-part-'));
    try {
      for (const name of ['L'.repeat(251) + '.txt', 'é'.repeat(127)]) {
        const part = partPath(join(dir, name));
        expect(dirname(part)).toBe(dir);
        expect(Buffer.byteLength(basename(part))).toBeLessThanOrEqual(255);
        expect(part).toBe(partPath(join(dir, name)));
        writeFileSync(part, 'x'); // ENAMETOOLONG before
      }
      expect(partPath(join(dir, 'L'.repeat(251) + '.txt'))).not.toBe(
        partPath(join(dir, 'L'.repeat(251) + '.bin')),
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
