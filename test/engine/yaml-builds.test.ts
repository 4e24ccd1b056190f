import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestRepo } from '../helpers/git.ts';
import { zipEntries } from '../helpers/zip.ts';
import { MODES, newYamlJob, param, shell, startModeKiln, type EngineKiln } from '../helpers/engine.ts';

/**
 * Code-based builds (`build_config_type: "YAML"`) and graphical jobs with CodeArts module ids, run
 * for real: the runner reads `.cloudbuild/build.yml` (or CB_BUILD_YAML_PATH) from the commit it
 * builds, runs PRE_BUILD then BUILD, and reports each action as a step of the record. On SQLite and
 * PostgreSQL, with the server's own runner and with a remote runner over HTTP.
 */

const BUILD_YML = `version: 2.0
params:
  - name: GREETING
    value: from-file
  - name: TARGET
    value: file-target
  - name: FILE_ONLY
    value: only-the-file
steps:
  PRE_BUILD:
    - checkout:
        name: get the code
    - sh:
        name: prepare \${TARGET}
        inputs:
          command: |
            echo "greeting=$GREETING target=$TARGET"
            echo "build=$BUILDNUMBER inc=$INCREASENUM commit=$COMMIT_ID short=$COMMIT_ID_SHORTER"
            echo "branch=$codeBranch job=$JOB_NAME executor=$EXECUTOR project=$PROJECT_ID ts=$TIMESTAMP"
            echo "workspace=$WORKSPACE pwd=$(pwd)"
  BUILD:
    - sh:
        name: may fail
        inputs:
          command: echo about to fail; exit 3
          ignore_fail: true
    - sh:
        name: last
        inputs:
          command: echo "last step ran; $(cat marker.txt)"
`;

const lineOf = (log: string, key: string) => log.split('\n').find((l) => l.startsWith(`${key}=`)) ?? '';

describe.each(MODES)('code-based builds, %s', (_label, mode, enabled) => {
  let kiln: { ek: EngineKiln; close(): Promise<void> };
  let ek: EngineKiln;
  let repo: TestRepo;
  let head: string;
  const scms = () => [{ url: repo.url, scm_type: 'git', branch: 'main' }];

  beforeAll(async () => {
    if (!enabled) return;
    kiln = await startModeKiln(mode);
    ek = kiln.ek;
    const lib = new TestRepo();
    lib.commit('lib v1', { 'LIB.txt': 'lib at v1\n' });
    lib.tag('v1');
    lib.commit('lib v2', { 'LIB.txt': 'lib at v2\n' });
    repo = new TestRepo();
    head = repo.commit('with build.yml', {
      'ci/two-repos.yml': `version: 2.0
steps:
  PRE_BUILD:
    - checkout:
        name: the lib
        inputs:
          url: ${lib.url}
          tag: v1
          depth: 1
          path: deps/lib
    - checkout:
        name: again, elsewhere
        inputs:
          path: copy
  BUILD:
    - sh:
        inputs:
          command: cat deps/lib/LIB.txt; cat copy/marker.txt; echo; git -C deps/lib describe --tags
`,
      '.cloudbuild/build.yml': BUILD_YML,
      'marker.txt': 'marker-one',
      'ci/other.yml':
        'version: 2.0\nsteps:\n  BUILD:\n    - sh:\n        inputs:\n          command: echo other file\n',
      'ci/broken.yml': 'version: 2.0\nsteps:\n  BUILD:\n    - sh:\n\t\tinputs:\n',
      'reports/TEST-unit.xml': [
        '<?xml version="1.0"?>',
        '<testsuite name="unit" tests="3" failures="0" errors="1" skipped="1">',
        '  <testcase classname="demo.UnitTest" name="a" time="0.004"/>',
        '  <testcase classname="demo.UnitTest" name="b" time="1.5"><error message="boom" type="java.lang.IllegalStateException">at demo.UnitTest.b(UnitTest.java:12)</error></testcase>',
        '  <testcase classname="demo.UnitTest" name="c"><skipped message="not today"/></testcase>',
        '</testsuite>',
        '',
      ].join('\n'),
      'reports/TEST-broken.xml': '<?xml version="1.0"?>\n<testsuite name="cut">\n<testcase name="x">\n',
      'target/site/jacoco/jacoco.xml':
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?><!DOCTYPE report PUBLIC "-//JACOCO//DTD Report 1.1//EN" "report.dtd">' +
        '<report name="demo"><package name="demo"><counter type="LINE" missed="99" covered="1"/></package>' +
        '<counter type="INSTRUCTION" missed="5" covered="10"/><counter type="BRANCH" missed="1" covered="3"/>' +
        '<counter type="LINE" missed="2" covered="8"/></report>',
      'target/site/jacoco/index.html': '<html>coverage site</html>\n',
      'ci/tests.yml':
        'version: 2.0\nsteps:\n  BUILD:\n    - maven:\n        name: unit tests\n        inputs:\n          command: mvn -v\n          unit_test:\n            enable: true\n            coverage: true\n            report_path: "reports/TEST*.xml"\n',
      'ci/arm.yml':
        "version: 2.0\nparams:\n  - {name: machineArch, value: ARM}\nenvs:\n  - condition: machineArch == 'ARM'\n    resource: {type: docker, arch: ARM}\nsteps:\n  BUILD:\n    - sh:\n        inputs:\n          command: echo never\n",
      'ci/path-param.yml':
        'version: 2.0\nparams:\n  - {name: PATH, value: /tmp/evil}\nsteps:\n  BUILD:\n    - sh:\n        inputs:\n          command: echo never\n',
      'ci/ignore-fail.yml':
        'version: 2.0\nsteps:\n  BUILD:\n    - sh:\n        name: by parameter\n        inputs:\n          command: exit 3\n          ignore_fail: ${IGN}\n    - sh:\n        name: capitalised\n        inputs:\n          command: exit 4\n          ignore_fail: "True"\n    - sh:\n        name: last\n        inputs:\n          command: echo reached the end\n',
      'ci/undeclared.yml':
        'version: 2.0\nparams:\n  - {name: DECLARED, value: file}\nsteps:\n  BUILD:\n    - sh:\n        name: show\n        inputs:\n          command: echo "declared=$DECLARED undeclared=${UNDECLARED-unset} git=${GIT_CONFIG_COUNT-unset}"; git status --short >/dev/null; echo looked\n',
      'ci/secret-name.yml':
        'version: 2.0\nsteps:\n  BUILD:\n    - sh:\n        name: secret ${secretP}\n        inputs:\n          command: echo named\n',
      'ci/no-tool.yml':
        'version: 2.0\nsteps:\n  BUILD:\n    - bazel:\n        inputs:\n          command: bazel build //...\n    - sh:\n        inputs:\n          command: echo never\n',
    });
  }, 60_000);
  afterAll(() => kiln?.close());

  it.skipIf(!enabled)(
    'runs PRE_BUILD then BUILD with the file params under the job and run-time ones, the predefined parameters, and ignore_fail',
    async () => {
      const job = await ek.newJob({
        job_name: `yaml-${mode.store}-${mode.runner}`,
        build_config_type: 'YAML',
        scms: scms(),
        steps: [],
        parameters: [param('GREETING', 'from-job')],
      });
      await ek.run(job, { parameter: [{ name: 'TARGET', value: 'from-run' }] });
      const r = await ek.waitFinished(job, 1, 30_000);
      const log = await ek.log(job, 1);
      expect(r.state, log).toBe('SUCCESS');
      // The job's parameter beats the file's; the run-time value (a parameter only the file declares) beats both.
      expect(lineOf(log, 'greeting')).toBe('greeting=from-job target=from-run');
      expect(lineOf(log, 'build')).toBe(
        `build=${r.daily_build_number} inc=1 commit=${head} short=${head.slice(0, 8)}`,
      );
      const branchLine = lineOf(log, 'branch');
      expect(branchLine).toMatch(
        new RegExp(
          `^branch=main job=yaml-${mode.store}-${mode.runner} executor=\\S+ project=${ek.projectId} ts=\\d{14}$`,
        ),
      );
      const ws = /^workspace=(\S+) pwd=(\S+)$/.exec(lineOf(log, 'workspace'));
      expect(ws?.[1]).toBe(ws?.[2]);
      expect(log).toContain('about to fail');
      expect(log).toContain('step "may fail" may fail (ignore_fail): going on');
      expect(log).toContain('last step ran; marker-one');
      // Every action is a step of the record, in file order, with its status.
      const d = await ek.details(job, 1);
      expect(d.build_steps.map((s) => [s.name, s.status])).toEqual([
        ['get the code', 'success'],
        ['prepare from-run', 'success'],
        ['may fail', 'error'],
        ['last', 'success'],
      ]);
      // The record's parameters: the build's own, and what only the file gave.
      expect(d.parameters).toEqual({ GREETING: 'from-job', TARGET: 'from-run', FILE_ONLY: 'only-the-file' });
      const recordId = (await ek.recordInfo(job, 1)).id;
      const info = (await ek.get(`/v1/record/${recordId}/info`)).json().result;
      expect(info.parameters.map((p: { name: string; value: string }) => [p.name, p.value])).toEqual([
        ['GREETING', 'from-job'],
        ['TARGET', 'from-run'],
        ['FILE_ONLY', 'only-the-file'],
      ]);
      const script = await ek.kiln.storage.scripts.find(recordId);
      expect(script).toEqual({ configType: 'YAML', path: '.cloudbuild/build.yml', script: BUILD_YML });
      // One stage's log: the step's own output only.
      const stage = await ek.get(
        `/v4/${recordId}/task-log?task_name=${encodeURIComponent('prepare from-run')}`,
      );
      expect(stage.statusCode).toBe(200);
      expect(stage.body).toContain('greeting=from-job');
      expect(stage.body).not.toContain('last step ran');
    },
    60_000,
  );

  it.skipIf(!enabled)(
    'reads the file CB_BUILD_YAML_PATH names, from the commit each build builds',
    async () => {
      const job = await newYamlJob(ek, repo.url, 'ci/other.yml');
      await ek.run(job);
      const r = await ek.waitFinished(job, 1, 30_000);
      const log = await ek.log(job, 1);
      expect(r.state, log).toBe('SUCCESS');
      expect(log).toContain('other file');
      // A later commit changes the file: the next build runs the new one, the first keeps its own.
      repo.commit('other file changed', {
        'ci/other.yml':
          'version: 2.0\nsteps:\n  BUILD:\n    - sh:\n        inputs:\n          command: echo changed file\n',
      });
      try {
        await ek.run(job);
        const second = await ek.waitFinished(job, 2, 30_000);
        expect(second.state).toBe('SUCCESS');
        expect(await ek.log(job, 2)).toContain('changed file');
        const first = await ek.kiln.storage.scripts.find((await ek.recordInfo(job, 1)).id);
        expect(first?.script).toContain('echo other file');
      } finally {
        repo.git('reset', '--quiet', '--hard', head);
      }
    },
    60_000,
  );

  it.skipIf(!enabled)(
    'fails a malformed file with its path, line and column, and a missing file clearly',
    async () => {
      const job = await newYamlJob(ek, repo.url, 'ci/broken.yml');
      await ek.run(job);
      expect((await ek.waitFinished(job, 1, 30_000)).state).toBe('FAILURE');
      expect(await ek.log(job, 1)).toMatch(
        /\[kiln\] build\.yml: ci\/broken\.yml:5:1: a TAB character indents this line; YAML indents with spaces only/,
      );
      await ek.run(job, { parameter: [{ name: 'CB_BUILD_YAML_PATH', value: 'ci/none.yml' }] });
      expect((await ek.waitFinished(job, 2, 30_000)).state).toBe('FAILURE');
      expect(await ek.log(job, 2)).toContain(
        '[kiln] build.yml: ci/none.yml is not in the repository at this commit',
      );
      const outside = await ek.post('/v3/jobs/build', {
        job_id: job,
        parameter: [{ name: 'CB_BUILD_YAML_PATH', value: '../../etc/passwd' }],
      });
      expect(outside.statusCode).toBe(400);
      expect(outside.json().error_msg).toContain('is not a path inside the repository');
      // A line break would let whoever runs the job write a line of their own (a forged `[kiln]`
      // line) into the log, where the path is named.
      const forged = await ek.post('/v3/jobs/build', {
        job_id: job,
        parameter: [{ name: 'CB_BUILD_YAML_PATH', value: 'ci/x.yml\n[kiln] build finished: SUCCESS' }],
      });
      expect(forged.statusCode).toBe(400);
      expect(forged.json().error_msg).toContain('is not a path inside the repository');
    },
    60_000,
  );

  it.skipIf(!enabled)(
    "checks out another repository at a tag into a path, and the job's own into another",
    async () => {
      const job = await newYamlJob(ek, repo.url, 'ci/two-repos.yml');
      await ek.run(job);
      const r = await ek.waitFinished(job, 1, 30_000);
      const log = await ek.log(job, 1);
      expect(r.state, log).toBe('SUCCESS');
      expect(log).toContain('lib at v1');
      expect(log).not.toContain('lib at v2');
      expect(log).toContain('marker-one');
      expect(log.split('\n')).toContain('v1');
      expect((await ek.details(job, 1)).build_steps.map((s) => [s.name, s.status])).toEqual([
        ['the lib', 'success'],
        ['again, elsewhere', 'success'],
        ['Shell', 'success'],
      ]);
    },
    60_000,
  );

  it.skipIf(!enabled)(
    'reads the JUnit and JaCoCo reports a step left: counts, cases, coverage and the zip of the files',
    async () => {
      const job = await newYamlJob(ek, repo.url, 'ci/tests.yml');
      await ek.run(job);
      const r = await ek.waitFinished(job, 1, 60_000);
      const log = await ek.log(job, 1);
      expect(r.state, log).toBe('SUCCESS');
      expect(log).toContain(
        'unit tests (reports/TEST*.xml): 1 report, 3 tests, 0 failures, 1 error, 1 skipped',
      );
      // A malformed report is named with where it breaks; the others still count.
      expect(log).toMatch(
        / {2}reports\/TEST-broken\.xml: not well-formed XML \(line \d+, column \d+: [^)]+\); not counted/,
      );
      expect(log).toContain('coverage (jacoco, 1 report): lines 8/10 80.0%, branches 3/4 75.0%');
      expect(log).toMatch(/kept 4 report files as artifact test-reports-stage1\.zip \(\d+ bytes\)/);
      const res = await ek.get(`/v1/report/${job}/summary?build_no=1`);
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json().result.sub_summarys).toEqual([
        expect.objectContaining({
          stage_name: 'stage1',
          total: 3,
          success: 1,
          failures: 0,
          errors: 1,
          others: 1,
          is_success: false,
        }),
      ]);
      const rootId = res.json().result.sub_summarys[0].root_id as string;

      // Kiln's view: counts, coverage, and the cases that did not pass first.
      const tests = await ek.get(`/v1/kiln/jobs/${job}/1/tests`);
      expect(tests.statusCode, tests.body).toBe(200);
      const t = tests.json().result;
      expect(t.total).toEqual({ tests: 3, passed: 1, failures: 0, errors: 1, skipped: 1 });
      expect(t.steps).toEqual([
        expect.objectContaining({
          index: 0,
          name: 'unit tests',
          root_id: rootId,
          coverage: {
            format: 'jacoco',
            lines_covered: 8,
            lines_total: 10,
            branches_covered: 3,
            branches_total: 4,
          },
        }),
      ]);
      expect(t.cases[0]).toEqual({
        step: 0,
        suite: 'unit',
        class_name: 'demo.UnitTest',
        name: 'b',
        status: 'error',
        duration_ms: 1500,
        message: 'boom',
        detail: 'at demo.UnitTest.b(UnitTest.java:12)',
      });
      expect(t.cases.map((c: { name: string }) => c.name).sort()).toEqual(['a', 'b', 'c']);
      expect([t.cases_total, t.cases_kept]).toEqual([3, 3]);
      const skipped = (await ek.get(`/v1/kiln/jobs/${job}/1/tests?status=skipped`)).json().result;
      expect(skipped.cases).toEqual([expect.objectContaining({ name: 'c', message: 'not today' })]);
      expect([skipped.cases_total, skipped.cases_kept]).toEqual([1, 3]);

      const trend = await ek.get(`/v1/kiln/jobs/${job}/test-trend`);
      expect(trend.json().result.builds).toEqual([
        expect.objectContaining({
          build_no: 1,
          tests: 3,
          passed: 1,
          errors: 1,
          lines_covered: 8,
          lines_total: 10,
        }),
      ]);

      // The step's report files, zipped: DownloadJunitCoverageZip.
      const zip = await ek.get(
        `/v1/report/junit/coverage/download?job_id=${job}&build_no=1&root_id=${rootId}`,
      );
      expect(zip.statusCode, zip.body).toBe(200);
      expect(zip.headers['content-type']).toBe('application/octet-stream');
      expect(await zipEntries(zip.rawPayload)).toEqual({
        'reports/TEST-broken.xml': '<?xml version="1.0"?>\n<testsuite name="cut">\n<testcase name="x">\n',
        'reports/TEST-unit.xml': expect.stringContaining('name="b"'),
        'target/site/jacoco/index.html': '<html>coverage site</html>\n',
        'target/site/jacoco/jacoco.xml': expect.stringContaining('<report name="demo">'),
      });
      const other = await ek.get(
        `/v1/report/junit/coverage/download?job_id=${job}&build_no=1&root_id=${rootId.replace(/-s1$/, '-s2')}`,
      );
      expect(other.statusCode, other.body).toBe(404);
      expect(other.json().error_msg).toContain('has no unit-test reports under root_id');
    },
    90_000,
  );

  it.skipIf(!enabled)(
    'fails a build whose env.resource no runner known can give, naming it',
    async () => {
      const job = await newYamlJob(ek, repo.url, 'ci/arm.yml');
      await ek.run(job);
      const r = await ek.waitFinished(job, 1, 30_000);
      const log = await ek.log(job, 1);
      expect(r.state, log).toBe('FAILURE');
      expect(log).toMatch(
        /\[kiln\] build\.yml: ci\/arm\.yml: the build asks for arch ARM \(env\.resource\.arch\); runner \S+ is X86; no runner known has arch ARM/,
      );
      expect(log).not.toContain('never');
      // The build never started: the runner handed it back before reading out its steps.
      expect((await ek.details(job, 1)).build_steps).toEqual([]);
    },
    60_000,
  );

  it.skipIf(!enabled)(
    'reads ignore_fail from a parameter and in any case; refuses another value naming the file and line',
    async () => {
      const job = await newYamlJob(ek, repo.url, 'ci/ignore-fail.yml', [param('IGN', 'true')]);
      await ek.run(job);
      const r = await ek.waitFinished(job, 1, 30_000);
      const log = await ek.log(job, 1);
      expect(r.state, log).toBe('SUCCESS');
      expect(log).toContain('step "by parameter" may fail (ignore_fail): going on');
      expect(log).toContain('step "capitalised" may fail (ignore_fail): going on');
      expect(log).toContain('reached the end');
      await ek.run(job, { parameter: [{ name: 'IGN', value: 'maybe' }] });
      const second = await ek.waitFinished(job, 2, 30_000);
      const refused = await ek.log(job, 2);
      expect(second.state, refused).toBe('FAILURE');
      expect(refused).toContain(
        '[kiln] build.yml: ci/ignore-fail.yml:8:24: ignore_fail of action sh "by parameter" must be true or false, not "maybe" (${IGN})',
      );
      expect(refused).not.toContain('reached the end');
    },
    60_000,
  );

  it.skipIf(!enabled)(
    "sets at run time only what the job or its build.yml declares: no variable of the caller's own",
    async () => {
      // Whoever may only run the job must not write the build's environment: GIT_CONFIG_* would
      // have `git status` run their command (and read the job's sensitive parameters).
      const job = await newYamlJob(ek, repo.url, 'ci/undeclared.yml');
      await ek.run(job, {
        parameter: [
          { name: 'DECLARED', value: 'from-run' },
          { name: 'UNDECLARED', value: 'x' },
          { name: 'GIT_CONFIG_COUNT', value: '1' },
          { name: 'GIT_CONFIG_KEY_0', value: 'core.fsmonitor' },
          { name: 'GIT_CONFIG_VALUE_0', value: 'echo INJECTED; false' },
        ],
      });
      const r = await ek.waitFinished(job, 1, 30_000);
      const log = await ek.log(job, 1);
      expect(r.state, log).toBe('SUCCESS');
      expect(lineOf(log, 'declared')).toBe('declared=from-run undeclared=unset git=unset');
      expect(log).toContain('looked');
      expect(log).not.toContain('INJECTED');
    },
    60_000,
  );

  it.skipIf(!enabled)(
    'fails a build whose params set a name CodeArts forbids, naming the file, line and rule',
    async () => {
      const job = await newYamlJob(ek, repo.url, 'ci/path-param.yml');
      await ek.run(job);
      const r = await ek.waitFinished(job, 1, 30_000);
      const log = await ek.log(job, 1);
      expect(r.state, log).toBe('FAILURE');
      expect(log).toContain(
        '[kiln] build.yml: ci/path-param.yml:3:5: params entry "PATH" cannot be a parameter: CodeArts forbids',
      );
      expect(log).not.toContain('never');
    },
    60_000,
  );

  it.skipIf(!enabled)(
    "masks a sensitive parameter's value in a step name wherever the name is shown",
    async () => {
      const job = await newYamlJob(ek, repo.url, 'ci/secret-name.yml', [
        param('secretP', 's3cr3tvalue', true),
      ]);
      await ek.run(job);
      const r = await ek.waitFinished(job, 1, 30_000);
      const log = await ek.log(job, 1);
      expect(r.state, log).toBe('SUCCESS');
      expect(log).toContain('step 1/1 "secret ******"');
      expect((await ek.details(job, 1)).build_steps.map((s) => s.name)).toEqual(['secret ******']);
      const recordId = (await ek.recordInfo(job, 1)).id;
      const stages = await ek.get(`/v1/record/${recordId}/full-stages`);
      expect(stages.statusCode, stages.body).toBe(200);
      expect(stages.body).toContain('"display_name":"secret ******"');
      const debug = await ek.get(`/v1/log/${recordId}/download-log?log_level=DEBUG`);
      expect(debug.body).toContain('[kiln debug] step 1 "secret ******"');
      for (const text of [stages.body, debug.body, JSON.stringify(await ek.details(job, 1))])
        expect(text).not.toContain('s3cr3tvalue');
    },
    60_000,
  );

  it.skipIf(!enabled)(
    'fails a step whose tool the runner lacks at once, naming the tool',
    async () => {
      const job = await newYamlJob(ek, repo.url, 'ci/no-tool.yml');
      await ek.run(job);
      const r = await ek.waitFinished(job, 1, 30_000);
      const log = await ek.log(job, 1);
      expect(r.state, log).toBe('FAILURE');
      expect(log).toMatch(
        /\[kiln\] step "Bazel" \(bazel\) needs bazel, which runner \S+ does not have on the build's PATH/,
      );
      expect(log).toContain('exit code 127');
      expect(log).not.toContain('never');
    },
    60_000,
  );

  it.skipIf(!enabled)(
    'runs graphical module ids: shell 20017 with its command; an unknown module fails naming it; a cloud-only action says so',
    async () => {
      const job = await ek.newJob({
        scms: scms(),
        steps: [
          {
            module_id: 'devcloud2018.codeci_action_20017.action',
            name: 'shell step',
            properties: {
              image: 'shell4.2.46-git1.8.3-zip6.00',
              command: 'echo "shell module ran"',
              preCondition: 'SUCCESS',
            },
          },
          {
            module_id: 'devcloud2018.codeci_action_20057.action',
            name: 'upload',
            properties: { ignore_fail: 'true' },
          },
          shell('kiln shell', 'echo kiln shell ran'),
          { module_id: 'devcloud2018.codeci_action_77777.action', name: 'mystery', properties: {} },
          shell('after', 'echo never'),
        ],
      });
      await ek.run(job);
      const r = await ek.waitFinished(job, 1, 30_000);
      const log = await ek.log(job, 1);
      expect(r.state, log).toBe('FAILURE');
      expect(log).toContain('shell module ran');
      expect(log).toContain(
        '[kiln] step "upload" (upload_obs): Object Storage Service (OBS), a Huawei Cloud service, is not available on this server',
      );
      expect(log).toContain('kiln shell ran');
      expect(log).toContain(
        '[kiln] step "mystery" uses module "devcloud2018.codeci_action_77777.action", which Kiln does not know',
      );
      expect(log).not.toContain('never');
      const d = await ek.details(job, 1);
      expect(d.build_steps.map((s) => s.status)).toEqual(['success', 'error', 'success', 'error', '']);
    },
    60_000,
  );
});
