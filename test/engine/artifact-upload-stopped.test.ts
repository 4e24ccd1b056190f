import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Writable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { keepFile, type TransferContext } from '../../src/runner/artifact-transfer.ts';
import type { ArtifactPart, RunnerPeer, StoredArtifact } from '../../src/protocol/runner-protocol.ts';

/**
 * An upload_artifact whose build is stopped (or times out, or loses its lease) while the upload
 * waits to retry: the next attempt's file stream is made with the signal already aborted and errs
 * at once. The server's own runner hands it to a peer that reads the database before it reads the
 * body: an error nobody listened to yet ended the whole `kiln serve` (found by a probe). The upload
 * must fail as stopped, and nothing else.
 */

const dir = mkdtempSync(join(tmpdir(), 'kiln-upload-stopped-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
writeFileSync(join(dir, 'app.bin'), Buffer.alloc(256 * 1024, 7));

describe('an upload stopped while it waits to retry', () => {
  it('fails as stopped; no stream error goes unheard', async () => {
    const abort = new AbortController();
    let attempts = 0;
    const peer = {
      directArtifact: async () => undefined,
      // As the in-process peer: the database first (a tick or more), the body after.
      artifact: async (_recordId: string, part: ArtifactPart): Promise<StoredArtifact> => {
        attempts++;
        await new Promise((r) => setTimeout(r, 20));
        if (attempts === 1) {
          // A transient failure (the disk full on the server): the runner waits to retry, and the
          // build is stopped meanwhile.
          setTimeout(() => abort.abort(new Error('stopped')), 5);
          throw Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' });
        }
        await pipeline(part.body, new Writable({ write: (_c, _e, done) => done() }));
        return { name: part.name, version: part.version, size: part.size, sha256: '' };
      },
    } as unknown as RunnerPeer;
    const unheard: unknown[] = [];
    const listener = (error: unknown) => unheard.push(error);
    process.on('uncaughtException', listener);
    try {
      const ctx: TransferContext = {
        peer,
        recordId: 'r1',
        workspace: dir,
        buildWorkspace: '/workspace',
        owner: undefined,
        signal: abort.signal,
        line: () => {},
        patienceMs: 60_000,
      };
      await expect(keepFile(ctx, { root: dir, path: 'app.bin' }, 'app.bin', '1')).rejects.toThrow();
      await new Promise((r) => setTimeout(r, 100));
    } finally {
      process.off('uncaughtException', listener);
    }
    expect(unheard).toEqual([]);
    expect(attempts).toBeLessThanOrEqual(2);
  });
});
