import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestKiln } from '../../helpers/app.ts';
import { createTestKiln } from '../../helpers/app.ts';
import { ADMIN, createJob, onEveryStore, recordLine, tokenOf } from '../../helpers/foundation.ts';

/**
 * History import (POST /v1/kiln/jobs/{job_id}/import) with input that is odd but not rare: a
 * bad line is a 400 naming its line and field (docs/errors.md, cli.md "A bad line stops the
 * import with its line number and field"), never a 500, and what is stored reads back as imported.
 */

onEveryStore((store) => {
  describe('import of odd lines', () => {
    let kiln: TestKiln;
    let token: string;
    let projectId: string;
    beforeAll(async () => {
      kiln = await createTestKiln({ store });
      token = await tokenOf(kiln, ADMIN);
      projectId = await kiln.defaultProjectId();
    });
    afterAll(() => kiln?.close());

    const newJob = () =>
      createJob(kiln, token, projectId, { job_name: `imp-${Math.random().toString(36).slice(2)}` });
    const importLines = (jobId: string, lines: string[]) =>
      kiln.call(token, {
        method: 'POST',
        url: `/v1/kiln/jobs/${jobId}/import`,
        headers: { 'content-type': 'application/x-ndjson' },
        payload: `${lines.join('\n')}\n`,
      });
    const record = async (jobId: string, n: number) => {
      const res = await kiln.call(token, {
        method: 'GET',
        url: `/v1/record/${jobId}/${n}/build-info-record`,
      });
      expect(res.statusCode, res.body).toBe(200);
      return res.json().result as Record<string, unknown>;
    };

    it('a NUL character in a text field is a 400 naming the line and field (PostgreSQL cannot keep it), never a 500', async () => {
      const jobId = await newJob();
      const res = await importLines(jobId, [recordLine(1), recordLine(2, { executor: 'a\u0000b' })]);
      expect(res.statusCode, res.body).toBe(400);
      expect(res.json().error_msg).toContain('line 2: field executor holds a NUL character (U+0000)');
      // The line before it was kept.
      expect((await record(jobId, 1)).number).toBe(1);
    });

    it('takes a file that starts with a byte-order mark (as Windows tools save one)', async () => {
      const jobId = await newJob();
      const res = await importLines(jobId, [`\uFEFF${recordLine(1)}`, recordLine(2)]);
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json().result.imported).toBe(2);
      // Only at the file's start: elsewhere it is a line that is not JSON.
      const later = await importLines(await newJob(), [recordLine(1), `\uFEFF${recordLine(2)}`]);
      expect(later.statusCode).toBe(400);
      expect(later.json().error_msg).toContain('line 2');
    });

    it('a commit time that is no calendar date (2023-02-30) is refused, not stored as another day', async () => {
      const jobId = await newJob();
      const created = '2023-02-30T10:00:00.000+00:00';
      const res = await importLines(jobId, [
        recordLine(1, { commit_info: { commit_id: 'abc', created_at: created } }),
      ]);
      if (res.statusCode === 200) {
        // Stored: then it must read back as the line said, not as 2023-03-02.
        const info = (await record(jobId, 1)).commit_info as { created_at: string };
        expect(info.created_at).toBe(created);
      } else {
        expect(res.statusCode).toBe(400);
        expect(res.json().error_msg).toContain('commit_info.created_at');
      }
    });

    it('a daily_build_number whose day is no date (month 13, day 99) is refused: it must be yyyyMMdd.N', async () => {
      const jobId = await newJob();
      const res = await importLines(jobId, [recordLine(1, { daily_build_number: '20231399.1' })]);
      expect(res.statusCode, res.body).toBe(400);
      expect(res.json().error_msg).toContain('daily_build_number');
    });
  });
});
