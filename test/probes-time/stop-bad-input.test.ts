import { afterAll, beforeAll, expect, it } from 'vitest';
import { shell, startEngineKiln, type EngineKiln } from '../helpers/engine.ts';
import { describeEachStore } from '../helpers/records.ts';

/**
 * Probe: build numbers the wire schemas accept (up to ten digits) but that no build can have
 * (above 2147483647, the largest build number) must be answered as "no such build", not 500.
 * PostgreSQL's `integer` column refuses such a value in a WHERE clause.
 */
describeEachStore('build numbers past the largest', (store) => {
  let ek: EngineKiln;
  let job: string;
  beforeAll(async () => {
    ek = await startEngineKiln({ store });
    job = await ek.newJob({ steps: [shell('s', 'true')] });
  });
  afterAll(() => ek?.close());

  it('StopJob {job_id, build_no: "9999999999"} answers 4xx, not 500', async () => {
    const res = await ek.post('/v3/jobs/stop', { job_id: job, build_no: '9999999999' });
    expect(res.statusCode, res.body).toBeGreaterThanOrEqual(400);
    expect(res.statusCode, res.body).toBeLessThan(500);
  });

  it('commit-messages?numbers=9999999999 answers 200 with no commits (or 4xx), not 500', async () => {
    const res = await ek.get(`/v1/kiln/jobs/${job}/commit-messages?numbers=1,9999999999`);
    expect(res.statusCode, res.body).toBeLessThan(500);
  });
});
