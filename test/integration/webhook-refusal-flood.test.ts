import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestKiln, type TestKiln } from '../helpers/app.ts';
import { ADMIN, createJob, onEveryStore, tokenOf } from '../helpers/foundation.ts';
import { deliver, headersFor, pushBody } from '../helpers/webhooks.ts';

/**
 * A job's list of recent webhook deliveries keeps refusals too; anyone who knows the job's webhook
 * URL can send unsigned deliveries. They are kept apart (the newest 20), so a flood of them never
 * pushes an authenticated delivery out of the list (which keeps the newest 50 of those).
 */
onEveryStore((store) => {
  describe('a flood of unauthenticated deliveries', () => {
    let kiln: TestKiln;
    let admin = '';
    beforeAll(async () => {
      kiln = await createTestKiln({ store });
      admin = await tokenOf(kiln, ADMIN);
    });
    afterAll(() => kiln?.close());

    it('does not push an authenticated delivery out of the list, and its refusals are bounded', async () => {
      const job = await createJob(kiln, admin, await kiln.defaultProjectId(), { job_name: 'flooded' });
      const { secret } = (await kiln.call(admin, { url: `/v1/kiln/jobs/${job}/webhook` })).json().result;
      const body = pushBody('gitlab', 'refs/heads/main', 'a'.repeat(40));
      const good = headersFor('gitlab', secret, body);
      // Authenticated: the job has no code_update trigger, so the push is ignored (202).
      expect((await deliver(kiln, job, good, body)).statusCode).toBe(202);
      const { 'x-gitlab-token': _token, ...unsigned } = headersFor('gitlab', secret, body);
      for (let i = 0; i < 60; i++) {
        // No token (401), a wrong one (401), no host's event header at all (400).
        const headers =
          i % 3 === 0
            ? unsigned
            : i % 3 === 1
              ? { ...unsigned, 'x-gitlab-token': 'wrong' }
              : { 'content-type': 'application/json' };
        expect((await deliver(kiln, job, headers, body)).statusCode).toBe(i % 3 === 2 ? 400 : 401);
      }
      const res = await kiln.call(admin, { url: `/v1/kiln/jobs/${job}/webhook/deliveries` });
      expect(res.statusCode, res.body).toBe(200);
      const list: { outcome: string; delivery: string }[] = res.json().result.deliveries;
      // Newest first; receipts of one millisecond are in no particular order among themselves.
      expect(list.filter((d) => d.outcome === 'refused')).toHaveLength(20);
      expect(list.filter((d) => d.outcome !== 'refused')).toEqual([
        expect.objectContaining({ outcome: 'ignored', delivery: good['idempotency-key'] }),
      ]);
      expect((await kiln.storage.webhookDeliveries.recent(job, 1000)).length).toBe(21);
    });
  });
});
