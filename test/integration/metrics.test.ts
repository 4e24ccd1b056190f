import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestKiln, jobBody, type TestKiln } from '../helpers/app.ts';

/** The value of one series in a Prometheus text scrape (undefined when the series is absent). */
function series(scrape: string, name: string): number | undefined {
  const line = scrape.split('\n').find((l) => l.startsWith(`${name} `));
  return line === undefined ? undefined : Number(line.slice(name.length + 1));
}

describe('GET /metrics', () => {
  let kiln: TestKiln;
  beforeAll(async () => {
    kiln = await createTestKiln();
  });
  afterAll(() => kiln.close());

  async function scrape(): Promise<string> {
    const res = await kiln.call(undefined, { method: 'GET', url: '/metrics' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    return res.body;
  }

  it('counts builds waiting for a runner, and the builds the server ended by state', async () => {
    const token = await kiln.token();
    const projectId = await kiln.defaultProjectId();
    const created = await kiln.call(token, {
      method: 'POST',
      url: '/v3/jobs/create',
      payload: jobBody(projectId),
    });
    const jobId = created.json().result.job_id;

    let body = await scrape();
    // Every place is a series from the start, so an alert on one never lacks its data.
    expect(series(body, 'kiln_builds_active{status="queued"}')).toBe(0);
    expect(series(body, 'kiln_builds_active{status="starting"}')).toBe(0);
    expect(series(body, 'kiln_builds_active{status="running"}')).toBe(0);

    // No runner here: the build waits in the queue.
    const run = await kiln.call(token, {
      method: 'POST',
      url: '/v1/job/execute',
      payload: { job_id: jobId },
    });
    expect(run.statusCode).toBe(200);
    body = await scrape();
    expect(series(body, 'kiln_builds_active{status="queued"}')).toBe(1);
    expect(series(body, 'kiln_builds_active{status="running"}')).toBe(0);
    expect(series(body, 'kiln_builds_finished_total{state="ABORTED"}')).toBeUndefined();

    const stop = await kiln.call(token, { method: 'POST', url: `/v3/jobs/${jobId}/1/stop` });
    expect(stop.json()).toEqual({ success: true, result: '' });
    body = await scrape();
    expect(series(body, 'kiln_builds_active{status="queued"}')).toBe(0);
    expect(series(body, 'kiln_builds_finished_total{state="ABORTED"}')).toBe(1);
  });
});
