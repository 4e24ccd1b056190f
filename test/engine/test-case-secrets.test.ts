import { afterAll, beforeAll, expect, it } from 'vitest';
import { TestRepo } from '../helpers/git.ts';
import { param, shell, startEngineKiln, type EngineKiln } from '../helpers/engine.ts';

/**
 * A step's report (protocol StepReport) carries the test cases the runner read from the build's
 * JUnit files: names, failure messages and traces that a test wrote, and tests print what they
 * compare, a token among them. The log masks a sensitive parameter's value wherever the build
 * prints it, and step names read from a build.yml are masked as the log is (DispatchService
 * maskedStages); the test cases are kept and served (ListBuildTests) as the build wrote them, so
 * the value reaches everyone who may view the build, viewers included (docs/security.md: viewers
 * are trusted with "nothing secret: sensitive parameters ... are masked for them").
 */

const SECRET = 'sensitive-token-5e3b91';
let ek: EngineKiln;
let repo: TestRepo;

beforeAll(async () => {
  ek = await startEngineKiln({ runner: { slots: 1 } });
  repo = new TestRepo();
  repo.commit('first');
});
afterAll(async () => {
  await ek?.close();
});

it("masks a sensitive parameter's value in the test cases as in the log", async () => {
  const step = shell(
    'tests',
    [
      'mkdir -p reports',
      'echo "the test saw $API_TOKEN"',
      'cat > reports/TEST-api.xml <<XML',
      '<?xml version="1.0"?>',
      '<testsuite name="api" tests="1" failures="1" errors="0" skipped="0">',
      '<testcase classname="api.AuthTest" name="login with $API_TOKEN">',
      '<failure message="expected 200 for token $API_TOKEN, got 401">at AuthTest.login(token=$API_TOKEN)</failure>',
      '</testcase>',
      '</testsuite>',
      'XML',
    ].join('\n'),
  );
  const job = await ek.newJob({
    scms: [{ url: repo.url, scm_type: 'git', branch: 'main' }],
    parameters: [param('API_TOKEN', SECRET, true)],
    steps: [{ ...step, properties: { ...(step.properties as object), report_path: 'reports/*.xml' } }],
  });
  await ek.run(job);
  const r = await ek.waitFinished(job, 1);
  const log = await ek.log(job, 1);
  expect(r.state, log).toBe('SUCCESS');
  // The log masks it.
  expect(log).toContain('the test saw ******');
  expect(log).toContain('unit tests (reports/*.xml): 1 report');
  expect(log).not.toContain(SECRET);
  const tests = await ek.get(`/v1/kiln/jobs/${job}/1/tests`);
  expect(tests.statusCode, tests.body).toBe(200);
  expect(tests.body).toContain('AuthTest');
  expect(tests.body).not.toContain(SECRET);
});
