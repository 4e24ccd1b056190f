import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestRepo } from '../helpers/git.ts';
import { startEngineKiln, type EngineKiln } from '../helpers/engine.ts';

/**
 * The reference's own example bodies of CreateBuildJob, CreateNewJob, UpdateBuildJob and
 * UpdateNewJob (a graphical Maven step: module 20043, `properties: null`) are accepted as they
 * are, only their ids and repository adapted (CreateBuildJob's hudson.triggers.TimerTrigger
 * included), and the Maven job runs `mvn` with the Maven action's default command.
 */

/** The example bodies as the reference prints them (shared/reference/codearts-build-api.md, Appendix A). */
const EXAMPLES = JSON.parse(
  readFileSync(new URL('../fixtures/reference-job-bodies.json', import.meta.url), 'utf8'),
) as Record<string, Record<string, unknown>>;

function exampleBody(operation: string): Record<string, unknown> {
  const body = EXAMPLES[operation];
  expect(body, operation).toBeDefined();
  return structuredClone(body) as Record<string, unknown>;
}

let ek: EngineKiln;
let repo: TestRepo;
beforeAll(async () => {
  ek = await startEngineKiln({ runner: { slots: 1 } });
  repo = new TestRepo();
  repo.commit('no pom here');
});
afterAll(() => ek?.close());

/** The body with Kiln's ids: our project, a repository the test made, a fresh job name. */
function adapted(body: Record<string, unknown>, name: string): Record<string, unknown> {
  const scms = body.scms as Record<string, unknown>[];
  return {
    ...body,
    project_id: ek.projectId,
    job_name: name,
    scms: scms.map((s) => ({ ...s, url: repo.url })),
  };
}

describe('the reference example bodies', () => {
  it.each([
    ['CreateBuildJob', '/v3/jobs/create'],
    ['CreateNewJob', '/v1/job/create'],
  ])('%s accepts its example body; the Maven step is kept as sent', async (operation, url) => {
    const body = exampleBody(operation);
    expect((body.steps as { module_id: string }[])[0]?.module_id).toBe(
      'devcloud2018.codeci_action_20043.action',
    );
    const res = await ek.post(url, adapted(body, `example-${operation}`));
    expect(res.statusCode, res.body).toBe(200);
    const jobId = res.json().result.job_id as string;
    const config = (await ek.get(`/v3/jobs/${jobId}/query`)).json().result;
    expect(config.steps).toEqual(body.steps);
    // CreateBuildJob's hudson.triggers.TimerTrigger comes back as it was sent.
    expect(config.triggers ?? []).toEqual(body.triggers ?? []);
  });

  it.each([
    ['UpdateBuildJob', '/v3/jobs/update'],
    ['UpdateNewJob', '/v1/job/update'],
  ])('%s accepts its example body', async (operation, url) => {
    const created = await ek.newJob({ job_name: `to-update-${operation}` });
    const body = exampleBody(operation);
    const res = await ek.post(url, { ...adapted(body, `updated-${operation}`), job_id: created });
    expect(res.statusCode, res.body).toBe(200);
    const config = (await ek.get(`/v3/jobs/${created}/query`)).json().result;
    expect(config.job_name).toBe(`updated-${operation}`);
    expect(config.steps).toEqual(body.steps);
  });

  it('runs the Maven step of the example with mvn and the Maven action default command', async () => {
    const res = await ek.post('/v3/jobs/create', adapted(exampleBody('CreateBuildJob'), 'example-run'));
    const jobId = res.json().result.job_id as string;
    await ek.run(jobId, { parameter: [{ name: 'codeBranch', value: 'main' }] });
    const r = await ek.waitFinished(jobId, 1, 60_000);
    const log = await ek.log(jobId, 1);
    // The repository has no pom.xml: mvn ran `package` and says so (a runner without mvn would say that instead).
    expect(r.state, log).toBe('FAILURE');
    expect(log).toContain('step 1/1 "Maven构建"');
    expect(log).not.toContain('needs mvn');
    expect(log).toMatch(
      /The goal you specified requires a project to execute but there is no POM in this directory/,
    );
    expect(log).toMatch(/step "Maven构建" failed with exit code 1/);
  }, 90_000);
});
