import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { IMPORT_BATCH } from '../../src/engine/import-service.ts';
import { createTestKiln, type TestKiln } from '../helpers/app.ts';
import { ADMIN, createJob, onEveryStore, recordLine, tokenOf } from '../helpers/foundation.ts';

/**
 * A job deleted while its history is being imported (an import is long; the delete may come from
 * any server): the import stops with the 404 of a job that is gone, saying how many builds it
 * stored before, instead of writing the rest into the recycle bin (or failing with a 500 once the
 * job is deleted for good).
 */
onEveryStore((store) => {
  let kiln: TestKiln;
  let base = '';
  let token = '';
  beforeAll(async () => {
    kiln = await createTestKiln({ store });
    await kiln.app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(kiln.app.server.address() as AddressInfo).port}`;
    token = await tokenOf(kiln, ADMIN);
  });
  afterAll(() => kiln?.close());

  it('stops at the next batch with a 404 once the job was deleted', async () => {
    const jobId = await createJob(kiln, token, await kiln.defaultProjectId(), {
      job_name: 'imported-then-deleted',
    });
    const lines = (from: number, to: number) =>
      Buffer.from(Array.from({ length: to - from + 1 }, (_, i) => `${recordLine(from + i)}\n`).join(''));
    const firstBatchStored = async () =>
      (await kiln.storage.builds.existingNumbers(jobId, [IMPORT_BATCH])).size === 1;
    // The first batch, then (once it is stored) the job is deleted, then the rest.
    const body = new ReadableStream<Uint8Array>({
      async start(controller) {
        controller.enqueue(lines(1, IMPORT_BATCH + 1));
        const deadline = Date.now() + 30_000;
        while (!(await firstBatchStored())) {
          if (Date.now() > deadline) throw new Error('the first batch was never stored');
          await new Promise((r) => setTimeout(r, 20));
        }
        const deleted = await kiln.call(token, { method: 'POST', url: `/v3/jobs/${jobId}/delete` });
        expect(deleted.statusCode).toBe(200);
        controller.enqueue(lines(IMPORT_BATCH + 2, IMPORT_BATCH * 2 + 10));
        controller.close();
      },
    });
    const res = await fetch(`${base}/v1/kiln/jobs/${jobId}/import`, {
      method: 'POST',
      headers: { 'x-auth-token': token, 'content-type': 'application/x-ndjson' },
      body,
      duplex: 'half',
    } as RequestInit & { duplex: 'half' });
    const answer = (await res.json()) as { error_msg?: string; error?: { message?: string } };
    expect(res.status, JSON.stringify(answer)).toBe(404);
    expect(JSON.stringify(answer)).toContain(
      `job not found (it was deleted during the import); ${IMPORT_BATCH} builds before it were stored`,
    );
    // Nothing after the delete went into the job in the recycle bin.
    const later = Array.from({ length: IMPORT_BATCH + 9 }, (_, i) => IMPORT_BATCH + 1 + i);
    expect((await kiln.storage.builds.existingNumbers(jobId, later)).size).toBe(0);
  });
});
