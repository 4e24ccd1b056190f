import { describe, expect, it } from 'vitest';
import {
  majorVersion,
  mergeTools,
  parseImage,
  parseToolsSetting,
  probeVersion,
  TOOL_PROBES,
  unmetRequirements,
} from '../../src/domain/tools.ts';
import { mavenPublicRepositories, mavenSettingsXml, testReportInputs } from '../../src/domain/tool-inputs.ts';
import { toJobSpec } from '../../src/domain/job-config.ts';
import { needsTools, stepWork } from '../../src/runner/step-work.ts';
import type { StepSpec } from '../../src/domain/job-config.ts';

const probe = (tool: string) => TOOL_PROBES.find((p) => p.tool === tool)!;

describe('tool versions', () => {
  it('reads the version from what each tool prints', () => {
    expect(
      probeVersion(probe('maven'), 'WARNING: x 1.2\nApache Maven 3.8.7\nMaven home: /usr/share/maven'),
    ).toBe('3.8.7');
    expect(probeVersion(probe('jdk'), 'openjdk version "17.0.15" 2025-04-15\nOpenJDK Runtime')).toBe(
      '17.0.15',
    );
    expect(probeVersion(probe('jdk'), 'java version "1.8.0_292"')).toBe('1.8.0_292');
    expect(probeVersion(probe('node'), 'v20.20.2\n')).toBe('20.20.2');
    expect(probeVersion(probe('python'), 'Python 3.11.2\n')).toBe('3.11.2');
    expect(probeVersion(probe('go'), 'go version go1.21.1 linux/amd64')).toBe('1.21.1');
    expect(probeVersion(probe('cmake'), 'cmake version 3.25.1\n\nCMake suite')).toBe('3.25.1');
    expect(probeVersion(probe('gradle'), '\n-----\nGradle 7.6\n-----\nKotlin: 1.7.10')).toBe('7.6');
    expect(probeVersion(probe('node'), 'no digits')).toBe('');
  });

  it('takes the major version, Java 1.8 being 8', () => {
    expect(majorVersion('jdk', '1.8.0_292')).toBe('8');
    expect(majorVersion('jdk', '8')).toBe('8');
    expect(majorVersion('jdk', '17.0.15')).toBe('17');
    expect(majorVersion('maven', '3.5.3')).toBe('3');
    expect(majorVersion('python', '3.6')).toBe('3');
    expect(majorVersion('node', '')).toBe('');
  });

  it('reads KILN_RUNNER_TOOLS, and lays it over what was found', () => {
    expect(parseToolsSetting('maven=3.9.6, jdk=17,docker=')).toEqual({
      maven: '3.9.6',
      jdk: '17',
      docker: '',
    });
    expect(parseToolsSetting('')).toEqual({});
    expect(parseToolsSetting('maven')).toHaveProperty('error');
    expect(parseToolsSetting('a=b c')).toHaveProperty('error');
    expect(
      mergeTools({ jdk: '17.0.15', docker: '24.0', node: '20.1' }, { jdk: '8', docker: '', gcc: '12' }),
    ).toEqual({
      gcc: '12',
      jdk: '8',
      node: '20.1',
    });
  });
});

describe('images', () => {
  it('reads cloudbuild@ tags and bare tags as toolchains with versions', () => {
    expect(parseImage('cloudbuild@maven3.5.3-jdk8-open')).toEqual({
      kind: 'tools',
      tag: 'maven3.5.3-jdk8-open',
      requirements: [
        { tool: 'maven', version: '3.5.3' },
        { tool: 'jdk', version: '8' },
      ],
      unchecked: ['open'],
    });
    expect(parseImage('cloudbuild@python3.6')).toMatchObject({
      requirements: [{ tool: 'python', version: '3.6' }],
    });
    expect(parseImage('nodejs18')).toMatchObject({
      kind: 'tools',
      requirements: [{ tool: 'node', version: '18' }],
    });
    expect(parseImage('shell4.2.46-git1.8.3-zip6.00')).toMatchObject({
      requirements: [],
      unchecked: ['shell4.2.46', 'git1.8.3', 'zip6.00'],
    });
    expect(parseImage('swr.cn-north-4.myhuaweicloud.com/org/image:1.0')).toEqual({
      kind: 'reference',
      reference: 'swr.cn-north-4.myhuaweicloud.com/org/image:1.0',
    });
    expect(parseImage('')).toEqual({ kind: 'none' });
    expect(parseImage(undefined)).toEqual({ kind: 'none' });
  });

  it('wants the same major version, and any version when the tag names none', () => {
    const reqs = [
      { tool: 'maven', version: '3.5.3' },
      { tool: 'jdk', version: '8' },
    ] as const;
    expect(unmetRequirements(reqs, { maven: '3.8.7', jdk: '1.8.0_292' })).toEqual([]);
    expect(unmetRequirements(reqs, { maven: '3.8.7', jdk: '17.0.15' })).toEqual([
      { requirement: { tool: 'jdk', version: '8' }, has: '17.0.15' },
    ]);
    expect(unmetRequirements(reqs, { jdk: '8' })).toEqual([{ requirement: reqs[0], has: undefined }]);
    expect(unmetRequirements([{ tool: 'node', version: '' }], { node: '20.1' })).toEqual([]);
    expect(unmetRequirements([{ tool: 'node', version: '18' }], { node: '' })).toEqual([]);
  });
});

const maven = (inputs: Record<string, unknown>, image?: string): StepSpec => ({
  name: 'build',
  moduleId: 'maven',
  action: 'maven',
  enabled: true,
  command: 'mvn package',
  inputs,
  ...(image && { image }),
});

describe('what a step asks of the runner', () => {
  it('fails a step at once naming the tool, the version asked and the runner', () => {
    const image = 'cloudbuild@maven3.5.3-jdk8-open';
    expect(stepWork(maven({}, image), undefined, 'r1', { maven: '3.8.7', jdk: '17.0.15' })).toEqual({
      ok: false,
      message:
        'step "build" (maven): image cloudbuild@maven3.5.3-jdk8-open needs JDK 8, but runner r1 has JDK 17.0.15 (another major version than JDK 8)',
    });
    expect(stepWork(maven({}, image), undefined, 'r1', { jdk: '8' })).toMatchObject({
      ok: false,
      message: expect.stringContaining('needs Maven 3.5.3, but runner r1 has no Maven'),
    });
    expect(stepWork(maven({}, image), undefined, 'r1', { maven: '3.9.6', jdk: '1.8.0' })).toMatchObject({
      script: 'mvn package\n',
      tool: 'mvn',
      notes: [
        'image cloudbuild@maven3.5.3-jdk8-open: runner r1 has Maven 3.9.6, JDK 1.8.0; not checked: open',
      ],
    });
  });

  it("checks the gradle and jdk inputs of gradle and android steps as an image's versions", () => {
    const step = (action: string, inputs: Record<string, unknown>): StepSpec => ({
      name: 'build',
      moduleId: action,
      action,
      enabled: true,
      command: 'gradle build',
      inputs,
    });
    const gradle = step('gradle', { gradle: '7.6', jdk: '17' });
    expect(needsTools(gradle)).toBe(true);
    expect(needsTools(step('gradle', {}))).toBe(false);
    expect(stepWork(gradle, undefined, 'r1', { jdk: '17.0.15' })).toEqual({
      ok: false,
      message:
        'step "build" (gradle): inputs gradle 7.6, jdk 17 need Gradle 7.6, but runner r1 has no Gradle',
    });
    expect(
      stepWork(step('gradle', { gradle: '7.6', jdk: '1.8' }), undefined, 'r1', {
        gradle: '7.6.1',
        jdk: '17.0.15',
      }),
    ).toEqual({
      ok: false,
      message:
        'step "build" (gradle): inputs gradle 7.6, jdk 1.8 need JDK 1.8, but runner r1 has JDK 17.0.15 (another major version than JDK 8)',
    });
    expect(
      stepWork(step('android', { gradle: '7.6', jdk: '17', ndk: '25' }), undefined, 'r1', {
        gradle: '7.4.2',
        jdk: '17.0.15',
      }),
    ).toMatchObject({
      script: 'gradle build\n',
      tool: 'gradle',
      notes: [
        'inputs gradle 7.6, jdk 17, ndk 25: runner r1 has Gradle 7.4.2, JDK 17.0.15; not checked: ndk 25',
      ],
    });
    // Another action's inputs of those names are its own business.
    expect(needsTools(step('sh', { jdk: '8' }))).toBe(false);
  });

  it('notes an image reference and runs the step with the runner tools', () => {
    const work = stepWork(maven({}, 'swr.example.com/org/maven:1'), undefined, 'r1', {});
    expect(work).toMatchObject({ notes: [expect.stringContaining('Kiln pulls no images')] });
  });

  it("maps Maven's public repositories and report path, from build.yml and from the graphical module", () => {
    const yaml = maven({
      settings: { public_repos: ['https://repo.example.com/maven', 'https://b.example.com/m2'] },
      unit_test: { enable: true, report_path: '**/TEST*.xml' },
    });
    expect(mavenPublicRepositories(yaml)).toEqual([
      'https://repo.example.com/maven',
      'https://b.example.com/m2',
    ]);
    expect(testReportInputs(yaml)).toEqual({ reports: '**/TEST*.xml' });
    expect(
      testReportInputs(maven({ unit_test: { enable: 'false', report_path: '**/x.xml' } })),
    ).toBeUndefined();
    const [graphical] = toJobSpec({
      job_name: 'j',
      project_id: 'p',
      arch: 'x86-64',
      steps: [
        {
          name: 'Maven',
          module_id: 'devcloud2018.codeci_action_20043.action',
          properties: { userPublicRepositories: ['file:///usr/share/maven-repo'], file: '**/TEST*.xml' },
        },
      ],
    } as never).steps;
    expect(graphical).toMatchObject({
      action: 'maven',
      command: 'mvn package -Dmaven.test.failure.ignore=true -U -e -B',
    });
    expect(mavenPublicRepositories(graphical!)).toEqual(['file:///usr/share/maven-repo']);
    expect(testReportInputs(graphical!)).toEqual({ reports: '**/TEST*.xml' });
    const xml = mavenSettingsXml(['https://a.example.com/m2?x=1&y=2']);
    expect(xml).toContain('<url>https://a.example.com/m2?x=1&amp;y=2</url>');
    expect(xml).toContain('<pluginRepository>');
    expect(xml).toContain('<activeProfile>kiln-public-repositories</activeProfile>');
  });

  it('takes the graphical Maven step without properties with its default command', () => {
    const [step] = toJobSpec({
      job_name: 'j',
      project_id: 'p',
      arch: 'x86-64',
      steps: [{ name: 'Maven', module_id: 'devcloud2018.codeci_action_20043.action', properties: null }],
    } as never).steps;
    expect(step).toMatchObject({
      action: 'maven',
      command: 'mvn package -Dmaven.test.failure.ignore=true -U -e -B',
    });
    expect(stepWork(step!, undefined, 'r1')).toMatchObject({
      script: 'mvn package -Dmaven.test.failure.ignore=true -U -e -B\n',
      tool: 'mvn',
    });
  });
});

describe('test report inputs', () => {
  it('reads coverage from build.yml and the graphical module, and report_path from any action', () => {
    expect(testReportInputs(maven({ unit_test: { report_path: '**/TEST*.xml', coverage: true } }))).toEqual({
      reports: '**/TEST*.xml',
      coverage: '**/site/jacoco',
    });
    expect(
      testReportInputs(
        maven({ unit_test: { report_path: 'r/*.xml', coverage: 'true', coverage_report_path: 'c/jacoco' } }),
      ),
    ).toEqual({ reports: 'r/*.xml', coverage: 'c/jacoco' });
    expect(
      testReportInputs(
        maven({ file: '**/TEST*.xml', junitCoverageSwitch: true, coverageReportPath: 'site' }),
      ),
    ).toEqual({ reports: '**/TEST*.xml', coverage: 'site' });
    const shell = (inputs: Record<string, unknown>) => ({ ...maven(inputs), action: 'sh' });
    expect(testReportInputs(shell({ report_path: 'junit.xml' }))).toEqual({ reports: 'junit.xml' });
    // A `file` input means the report glob only to the Maven module.
    expect(testReportInputs(shell({ file: 'dist/*.tgz' }))).toBeUndefined();
    expect(testReportInputs(maven({}))).toBeUndefined();
  });

  it('reads flags in any case, as ignore_fail and as they are checked when the job is saved', () => {
    expect(testReportInputs(maven({ file: 'r/*.xml', junitCoverageSwitch: 'TRUE' }))).toEqual({
      reports: 'r/*.xml',
      coverage: '**/site/jacoco',
    });
    expect(
      testReportInputs(maven({ unit_test: { enable: 'False', report_path: 'r/*.xml' } })),
    ).toBeUndefined();
  });

  it('reads a map JSON-encoded in a string, as Terraform sends nested values', () => {
    expect(testReportInputs(maven({ unit_test: '{"enable": "true", "report_path": "r/*.xml"}' }))).toEqual({
      reports: 'r/*.xml',
    });
    expect(
      mavenPublicRepositories(maven({ settings: '{"public_repos": ["https://a.example/m2"]}' })),
    ).toEqual(['https://a.example/m2']);
  });
});

describe('Maven public repositories of a graphical step', () => {
  it('reads a list JSON-encoded in a string, as Terraform sends every property', () => {
    expect(mavenPublicRepositories(maven({ userPublicRepositories: '[]' }))).toEqual([]);
    expect(
      mavenPublicRepositories(
        maven({ userPublicRepositories: '["https://a.example/m2", {"url": "https://b.example/m2"}]' }),
      ),
    ).toEqual(['https://a.example/m2', 'https://b.example/m2']);
    expect(mavenPublicRepositories(maven({ userPublicRepositories: 'https://one.example/m2' }))).toEqual([
      'https://one.example/m2',
    ]);
  });
});
