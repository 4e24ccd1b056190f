import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseBuildYaml } from '../src/domain/build-yaml.ts';
import { resourceProblem } from '../src/domain/resource-match.ts';
import { planYamlBuild } from '../src/domain/yaml-plan.ts';
import { readBuildYamlFile } from '../src/runner/build-yaml-file.ts';
import { fmt, median, percentile, timeEach } from './lib/stats.ts';

/**
 * What reading and planning a build.yml costs a build on its runner (issue 13: at most 2 ms added
 * to trigger-to-step): reading the file from the workspace with its checks, parsing it, resolving
 * parameters and conditions, and matching env.resource, for the syntax reference's example (two
 * stages, envs, full Maven inputs). Baseline, in the same run: reading the same file with
 * readFileSync alone. `npm run bench:engine` also measures it end to end (a build.yml job against
 * a shell job of the same step), where the machine's noise is larger than this.
 */
const FILE = `version: 2.0
params:
  - name: machineArch
    value: X86
  - name: paramA
    value: valueA
envs:
  - condition: machineArch == 'ARM'
    resource:
      type: docker
      arch: ARM
  - condition: machineArch == 'X86'
    resource:
      type: docker
      arch: X86
steps:
  PRE_BUILD:
    - checkout:
        name: checkout
        inputs:
          branch: \${codeBranch}
          depth: 100
    - sh:
        inputs:
          command: echo \${machineArch} \${paramA}
  BUILD:
    - maven:
        name: Maven build
        image: cloudbuild@maven3.5.3-jdk8-open
        inputs:
          settings:
            public_repos:
              - https://repo.example.com/maven
          cache: true
          unit_test:
            coverage: true
            ignore_errors: false
            report_path: "**/TEST*.xml"
            enable: true
            coverage_report_path: "**/site/jacoco"
          command: mvn package -Dmaven.test.failure.ignore=true -U -e -X -B
    - sh:
        name: package
        inputs:
          command: |
            tar czf app.tgz target
            echo done
          ignore_fail: true
`;
const SAMPLES = 2_000;
const TARGET_MS = 2;

const dir = mkdtempSync(join(tmpdir(), 'kiln-bench-yaml-'));
try {
  mkdirSync(join(dir, '.cloudbuild'));
  writeFileSync(join(dir, '.cloudbuild', 'build.yml'), FILE);
  const path = '.cloudbuild/build.yml';
  const predefined = { BUILDNUMBER: '20261204.1', COMMIT_ID: 'a'.repeat(40), codeBranch: 'main' };
  const runner = { name: 'bench', arch: 'x64', pool: 'default' };
  const baseline = await timeEach(SAMPLES, () => readFileSync(join(dir, path), 'utf8'));
  const kiln = await timeEach(SAMPLES, () => {
    const file = readBuildYamlFile(dir, path);
    if ('error' in file) throw new Error(file.error);
    const plan = planYamlBuild(
      parseBuildYaml(file.text, path),
      [{ name: 'paramA', value: 'x' }],
      predefined,
      path,
    );
    if (resourceProblem(plan.resource, runner)) throw new Error('unexpected resource problem');
  });
  const added = median(kiln) - median(baseline);
  console.log(`\nReading and planning a build.yml (${FILE.split('\n').length} lines), median of ${SAMPLES}`);
  console.log(`  baseline: readFileSync of the file          ${fmt(median(baseline))}`);
  console.log(
    `  Kiln: read with checks, parse, plan, match   ${fmt(median(kiln))}  p99 ${fmt(percentile(kiln, 99))}; x${(median(kiln) / median(baseline)).toFixed(1)} of the baseline`,
  );
  console.log(
    `  added to trigger-to-step                     ${fmt(added)}  target <= ${TARGET_MS} ms: ${added <= TARGET_MS ? 'met' : 'NOT met'}`,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
