import { hostname } from 'node:os';
import { rootIdOf } from '../../src/domain/test-report.ts';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { TestRepo } from '../helpers/git.ts';
import { newYamlJob, startEngineKiln, type EngineKiln } from '../helpers/engine.ts';

/**
 * The actions run for real, with the runner's own toolchains (installed by .ci/run from Debian):
 * sh, npm, python and cmake in a build.yml job, Maven through the graphical module (its default
 * command, the public repositories as ~/.m2/settings.xml pointing at Debian's Maven repository,
 * the JUnit report summed up). A step whose image asks for a tool the runner lacks, or another
 * major version, fails at once naming the tool, the version and the runner. The sandbox has no
 * network: nothing is downloaded.
 */

/** The runner as messages name it: the server's own runner, local:test. */
const RUNNER = 'test';
let ek: EngineKiln;

beforeAll(async () => {
  ek = await startEngineKiln({
    runner: {
      slots: 2,
      env: { KILN_SANDBOX_NETWORK: 'off', KILN_RUNNER_TOOLS: 'jdk=17.0.99,gradle=,bazel=7.1' },
    },
  });
});
afterAll(async () => {
  await ek?.close();
});

const BUILD_YML = `version: 2.0
steps:
  BUILD:
    - sh:
        name: say hello
        inputs:
          command: echo "sh says hello from $(pwd)"
    - npm:
        name: npm build
        inputs:
          command: npm install --no-audit --no-fund && npm run build && cat dist.txt
    - python:
        name: python script
        image: cloudbuild@python3.6
        inputs:
          command: python3 tool.py
    - cmake:
        name: cmake build
        inputs:
          command: |
            mkdir -p build && cd build
            cmake -G 'Unix Makefiles' .. && make
            ./hello
`;

it('runs sh, npm, python and cmake actions of a build.yml with the runner tools', async () => {
  const repo = new TestRepo();
  repo.commit('actions', {
    '.cloudbuild/build.yml': BUILD_YML,
    'package.json': JSON.stringify({
      name: 'demo',
      version: '1.0.0',
      private: true,
      scripts: { build: `node -e "require('fs').writeFileSync('dist.txt', 'npm built it\\\\n')"` },
    }),
    'tool.py': 'import sys\nprint(f"python {sys.version_info.major}.{sys.version_info.minor} ran")\n',
    'CMakeLists.txt':
      'cmake_minimum_required(VERSION 3.13)\nproject(hello C)\nadd_executable(hello main.c)\n',
    'main.c': '#include <stdio.h>\nint main(void) { puts("cmake built hello"); return 0; }\n',
  });
  const job = await newYamlJob(ek, repo.url);
  await ek.run(job);
  const r = await ek.waitFinished(job, 1, 120_000);
  const log = await ek.log(job, 1);
  expect(r.state, log).toBe('SUCCESS');
  expect(log).toContain('sh says hello from /workspace');
  expect(log).toContain('npm built it');
  expect(log).toMatch(/python 3\.\d+ ran/);
  expect(log).toMatch(new RegExp(`image cloudbuild@python3\\.6: runner ${RUNNER} has Python 3\\.\\d+`));
  expect(log).toContain('cmake built hello');
}, 150_000);

const POM = `<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>demo</groupId>
  <artifactId>demo</artifactId>
  <version>1.0</version>
  <packaging>pom</packaging>
  <properties><project.build.sourceEncoding>UTF-8</project.build.sourceEncoding></properties>
  <build>
    <plugins>
      <plugin>
        <groupId>org.apache.maven.plugins</groupId>
        <artifactId>maven-resources-plugin</artifactId>
        <version>3.3.0</version>
        <executions><execution><id>copy</id><phase>package</phase><goals><goal>resources</goal></goals></execution></executions>
      </plugin>
    </plugins>
  </build>
</project>
`;

it("runs the graphical Maven module's default command offline against Debian's repository, and sums up its JUnit report", async () => {
  const repo = new TestRepo();
  repo.commit('maven', {
    'pom.xml': POM,
    'src/main/resources/greeting.txt': 'hello\n',
    'reports/TEST-demo.HelloTest.xml':
      '<?xml version="1.0"?>\n<testsuite name="demo.HelloTest" tests="4" failures="1" errors="0" skipped="1"><testcase name="a"/>' +
      '<testcase name="b"><failure message="no"/></testcase><testcase name="c"><skipped/></testcase><testcase name="d"/></testsuite>\n',
  });
  const maven = 'devcloud2018.codeci_action_20043.action';
  const job = await ek.newJob({
    scms: [{ url: repo.url, scm_type: 'git', branch: 'main' }],
    steps: [
      {
        module_id: maven,
        name: 'Maven with repositories',
        properties: { userPublicRepositories: ['file:///usr/share/maven-repo'], file: '**/TEST*.xml' },
      },
      { module_id: maven, name: 'Maven as it comes', properties: null },
      {
        module_id: 'kiln.shell',
        name: 'show',
        properties: { command: 'cat ~/.m2/settings.xml; ls target/classes' },
      },
    ],
  });
  await ek.run(job);
  const r = await ek.waitFinished(job, 1, 120_000);
  const log = await ek.log(job, 1);
  expect(r.state, log).toBe('SUCCESS');
  expect(log).toContain("wrote ~/.m2/settings.xml with the step's public repositories");
  expect(log.match(/BUILD SUCCESS/g)).toHaveLength(2);
  expect(log).toContain('unit tests (**/TEST*.xml): 1 report, 4 tests, 1 failure, 0 errors, 1 skipped');
  expect(log).toContain('reports/TEST-demo.HelloTest.xml: 4 tests');
  // The counts are kept with the step: ShowReportSummary and ListJunitCoverageSummary answer them.
  const list = await ek.get(`/v1/report/junit/coverage/list?job_id=${job}&build_no=1`);
  expect(list.statusCode, list.body).toBe(200);
  const recordId = (await ek.recordInfo(job, 1)).id;
  expect(list.json().result.unit_summary_list).toEqual([
    { job_id: job, build_no: 1, stage_name: 'stage1', root_id: rootIdOf(recordId, 0), region: '' },
  ]);
  const summary = await ek.get(`/v1/report/${job}/summary?build_no=1`);
  expect(summary.statusCode, summary.body).toBe(200);
  const { summary: total, sub_summarys: subs } = summary.json().result;
  expect(subs).toHaveLength(1);
  expect(subs[0]).toMatchObject({
    stage_name: 'stage1',
    total: 4,
    success: 2,
    failures: 1,
    errors: 0,
    others: 1,
    is_success: false,
  });
  expect(subs[0].execution_time).toBeGreaterThan(0);
  expect(subs[0].genrate_time).toMatch(/^\d{4}-\d{2}-\d{2}T/);
  expect(total).toMatchObject({
    stage_name: '',
    root_id: recordId,
    total: 4,
    success: 2,
    failures: 1,
    others: 1,
    is_success: false,
  });
  expect(log).toContain('<url>file:///usr/share/maven-repo</url>');
  expect(log).toContain('greeting.txt');
}, 150_000);

it('fails a step at once when its image asks for a tool the runner lacks or another major version', async () => {
  const repo = new TestRepo();
  repo.commit('tools', {
    '.cloudbuild/build.yml': `version: 2.0
steps:
  BUILD:
    - maven:
        name: old java
        image: cloudbuild@maven3.5.3-jdk8-open
        inputs:
          command: echo should not run
          ignore_fail: true
    - gradle:
        name: no gradle
        image: cloudbuild@gradle7.6-jdk17
        inputs:
          command: echo should not run either
          gradle: "7.6"
          jdk: "17"
          ignore_fail: true
    - android:
        name: old jdk input
        inputs:
          command: echo not this one
          gradle: "7.6"
          jdk: "1.8"
          ignore_fail: true
    - harmonyos:
        name: no hvigorw
        inputs:
          command: echo nor this
`,
  });
  const job = await newYamlJob(ek, repo.url);
  await ek.run(job);
  const r = await ek.waitFinished(job, 1, 60_000);
  const log = await ek.log(job, 1);
  expect(r.state, log).toBe('FAILURE');
  expect(log).not.toContain('should not run');
  expect(log).not.toContain('nor this\n');
  expect(log).toContain(
    `step "old java" (maven): image cloudbuild@maven3.5.3-jdk8-open needs JDK 8, but runner ${RUNNER} has JDK 17.0.99 (another major version than JDK 8)`,
  );
  expect(log).toContain(
    `step "no gradle" (gradle): image cloudbuild@gradle7.6-jdk17 needs Gradle 7.6, but runner ${RUNNER} has no Gradle`,
  );
  // No image: the version inputs CodeArts requires of gradle and android steps are checked alike.
  expect(log).not.toContain('not this one');
  expect(log).toContain(
    `step "old jdk input" (android): inputs gradle 7.6, jdk 1.8 need Gradle 7.6, but runner ${RUNNER} has no Gradle; JDK 1.8, but runner ${RUNNER} has JDK 17.0.99 (another major version than JDK 8)`,
  );
  expect(log).toContain(
    `step "no hvigorw" (harmonyos) needs hvigorw, which runner ${RUNNER} does not have on the build's PATH`,
  );
}, 90_000);

it("shows the server's own runner with the tools it found and those configured", async () => {
  let listed: { server_runners: { id: string; host: string; tools: Record<string, string> }[] } | undefined;
  for (let i = 0; i < 100; i++) {
    const res = await ek.get('/v1/kiln/runners');
    expect(res.statusCode, res.body).toBe(200);
    listed = res.json().result;
    if (listed?.server_runners.some((s) => s.id === 'local:test')) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const own = listed?.server_runners.find((s) => s.id === 'local:test');
  expect(own).toMatchObject({ host: hostname(), tools: { jdk: '17.0.99', bazel: '7.1' } });
  expect(own?.tools.node).toMatch(/^\d+\.\d+/);
  expect(own?.tools.python).toMatch(/^3\./);
  expect(own?.tools.cmake).toMatch(/^\d+\.\d+/);
  expect(own?.tools).not.toHaveProperty('gradle');
});
