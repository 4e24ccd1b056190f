import { afterAll, beforeAll, expect, it } from 'vitest';
import { shell, startEngineKiln, type EngineKiln } from '../helpers/engine.ts';
import { describeEachStore } from '../helpers/records.ts';

/**
 * Build numbers given as text (StopJob's `build_no`, commit-messages' `numbers`) are held to the
 * range of build numbers, 1 to 2147483647, as the integer ones are: ten digits reach past it, and
 * PostgreSQL's `integer` column refuses such a value even in a WHERE clause (a 500 before).
 */
describeEachStore('build numbers past the largest', (store) => {
  let ek: EngineKiln;
  let job: string;
  beforeAll(async () => {
    ek = await startEngineKiln({ store });
    job = await ek.newJob({ steps: [shell('s', 'true')] });
  });
  afterAll(() => ek?.close());

  const refused = (res: { statusCode: number; json(): { error_code: string; error_msg: string } }) => {
    expect(res.statusCode).toBe(400);
    expect(res.json().error_code).toBe('CB.00060200');
    return res.json().error_msg;
  };

  it('StopJob refuses build_no "2147483648" and "9999999999" (400); the largest is only not found', async () => {
    for (const build_no of ['2147483648', '9999999999'])
      expect(refused(await ek.post('/v3/jobs/stop', { job_id: job, build_no }))).toContain(
        'must be a build number (1 to 2147483647)',
      );
    const largest = await ek.post('/v3/jobs/stop', { job_id: job, build_no: '2147483647' });
    expect(largest.statusCode, largest.body).toBe(404);
    // The path form (an integer) says the same.
    expect(refused(await ek.post(`/v3/jobs/${job}/9999999999/stop`))).toContain('2147483647');
  });

  it('commit-messages refuses a number past the largest (400) and answers the largest with no commits', async () => {
    expect(refused(await ek.get(`/v1/kiln/jobs/${job}/commit-messages?numbers=1,9999999999`))).toContain(
      'up to 100 build numbers (1 to 2147483647)',
    );
    const res = await ek.get(`/v1/kiln/jobs/${job}/commit-messages?numbers=1,2147483647`);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().result.commits).toEqual([]);
  });
});
