import { describe, expect, it } from 'vitest';
import { BuildYamlError, parseBuildYaml } from '../../src/domain/build-yaml.ts';
import { evaluateCondition } from '../../src/domain/condition.ts';
import { planYamlBuild } from '../../src/domain/yaml-plan.ts';
import { toJobSpec } from '../../src/domain/job-config.ts';
import { resolveStepInputs } from '../../src/domain/parameter-refs.ts';
import { resourceNeeds, resourceProblem } from '../../src/domain/resource-match.ts';
import { JOB_SAMPLES } from '../../src/cli/job-samples.ts';

const P = '.cloudbuild/build.yml';

/** The spec's §6.1 example (the maven structure example). */
const MAVEN = `version: 2.0
params:
  - name: paramA
    value: valueA
  - name: paramB
    value: valueB
env:
  resource:
    type: docker
    arch: X86
    class: 8U16G
steps:
  PRE_BUILD:
    - checkout:
        name: Download Code
        inputs:
          scm: codehub
          url: xxxxxxxxx
          branch: \${codeBranch}
    - sh:
        inputs:
          command: echo \${paramA}
  BUILD:
    - maven:
        name: maven build
        image: xxx
        inputs:
          command: mvn clean package
    - upload_artifact:
        inputs:
          path: "**/target/*.?ar"
          version: 2.1
`;

function failure(text: string): string {
  try {
    parseBuildYaml(text, P);
  } catch (error) {
    expect(error).toBeInstanceOf(BuildYamlError);
    return (error as Error).message;
  }
  throw new Error('expected the file to be refused');
}

describe('build.yml', () => {
  it('reads the documented example: params, env, both stages in order, inputs as strings', () => {
    const file = parseBuildYaml(MAVEN, P);
    expect(file.params).toEqual([
      { name: 'paramA', value: 'valueA' },
      { name: 'paramB', value: 'valueB' },
    ]);
    expect(file.env).toEqual({ type: 'docker', arch: 'X86', class: '8U16G' });
    expect(file.actions.map((a) => [a.stage, a.keyword, a.name ?? ''])).toEqual([
      ['PRE_BUILD', 'checkout', 'Download Code'],
      ['PRE_BUILD', 'sh', ''],
      ['BUILD', 'maven', 'maven build'],
      ['BUILD', 'upload_artifact', ''],
    ]);
    expect(file.actions[3]?.inputs).toEqual({ path: '**/target/*.?ar', version: '2.1' });
    expect(file.actions[2]?.image).toBe('xxx');
    expect(file.actions[2]?.line).toBe(24);
  });

  it('reads anchors and aliases as YAML does', () => {
    const file = parseBuildYaml(
      'version: 2.0\nsteps:\n  BUILD:\n    - sh: &common\n        inputs: {command: make}\n    - sh: *common\n',
      P,
    );
    expect(file.actions.map((a) => a.inputs)).toEqual([{ command: 'make' }, { command: 'make' }]);
  });

  it('runs PRE_BUILD before BUILD whatever order the file gives them', () => {
    const file = parseBuildYaml(
      'version: "2.0"\nsteps:\n  BUILD:\n    - sh: {inputs: {command: b}}\n  PRE_BUILD:\n    - sh: {inputs: {command: a}}\n',
      P,
    );
    expect(file.actions.map((a) => a.inputs.command)).toEqual(['a', 'b']);
  });

  it.each([
    ['a TAB indent', 'version: 2.0\nsteps:\n\tBUILD:\n', /:3:1: a TAB character indents this line/],
    [
      'a full-width colon',
      'version: 2.0\nenv:\n  resource:\n    pool：Mydocker\nsteps:\n  BUILD:\n    - sh: {inputs: {command: a}}\n',
      /:4:9: a full-width colon \(：\)/,
    ],
    [
      'no space after a colon',
      'version: 2.0\nenv:\n  resource:\n    type:docker\n    arch:X86\nsteps:\n  BUILD:\n    - sh: {inputs: {command: a}}\n',
      /:4:5: env\.resource must be a map; write a space after each colon \("type:docker"/,
    ],
    [
      'an unknown action',
      'version: 2.0\nsteps:\n  BUILD:\n    - shell:\n        inputs: {command: a}\n',
      /:4:7: unknown action "shell"; the actions are checkout, /,
    ],
    [
      'a command action without a command',
      'version: 2.0\nsteps:\n  BUILD:\n    - npm:\n        name: x\n',
      /:4:7: action npm needs inputs\.command/,
    ],
    [
      'another version',
      'version: 1.0\nsteps:\n  BUILD:\n    - sh: {inputs: {command: a}}\n',
      /:1:10: version must be 2\.0, not "1\.0"/,
    ],
    ['no version', 'steps:\n  BUILD:\n    - sh: {inputs: {command: a}}\n', /:1:1: the file has no "version"/],
    [
      'an unknown stage',
      'version: 2.0\nsteps:\n  POST_BUILD:\n    - sh: {inputs: {command: a}}\n',
      /:3:3: unknown stage "POST_BUILD"/,
    ],
    [
      'a BuildFlow file where a single-job file is needed',
      'version: 2.0\nbuildflow:\n  jobs: []\n',
      /:2:1: "buildflow": a BuildFlow file cannot be a job of a flow/,
    ],
    ['broken YAML', 'version: 2.0\nsteps: [\n', /^\.cloudbuild\/build\.yml:\d+:\d+: /],
    [
      'a key twice',
      'version: 2.0\nversion: 2.0\nsteps:\n  BUILD:\n    - sh: {inputs: {command: a}}\n',
      /:2:1: .*each key may appear once/,
    ],
    [
      'a second document',
      'version: 2.0\nsteps:\n  BUILD:\n    - sh: {inputs: {command: a}}\n---\nversion: 2.0\n',
      /:5:1: a build file is one YAML document; this "---" line starts a second one/,
    ],
    [
      'aliases that multiply',
      `version: 2.0\nx: &a [1, 1]\n${Array.from({ length: 16 }, (_, i) => `x${i}: &${String.fromCharCode(98 + i)} [*${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}]`).join('\n')}\n`,
      /:\d+:\d+: the aliases \(\*name\) copy more than 10000 values/,
    ],
    [
      'a bad params name',
      'version: 2.0\nparams:\n  - name: 1x\n    value: y\nsteps:\n  BUILD:\n    - sh: {inputs: {command: a}}\n',
      /:3:5: params entry "1x" must be a name of at most 128 letters, digits and _/,
    ],
    ...['PATH', 'LD_PRELOAD', 'LD_LIBRARY_PATH', 'BASH_ENV', 'GIT_SSH_COMMAND'].map(
      (name): [string, string, RegExp] => [
        `a params entry named ${name}, which CodeArts forbids`,
        `version: 2.0\nparams:\n  - {name: A, value: a}\n  - name: ${name}\n    value: /tmp\nsteps:\n  BUILD:\n    - sh: {inputs: {command: a}}\n`,
        new RegExp(`:4:5: params entry "${name}" cannot be a parameter: CodeArts forbids`),
      ],
    ),
    ...['HOME', 'BUILDNUMBER', 'KILN_X'].map((name): [string, string, RegExp] => [
      `a params entry named ${name}, which Kiln sets`,
      `version: 2.0\nparams:\n  - {name: ${name}, value: x}\nsteps:\n  BUILD:\n    - sh: {inputs: {command: a}}\n`,
      new RegExp(`:3:5: params entry "${name}" is set by Kiln and cannot be a parameter`),
    ]),
    [
      'a params value of 9000 characters',
      `version: 2.0\nparams:\n  - name: LONG\n    value: ${'x'.repeat(9000)}\nsteps:\n  BUILD:\n    - sh: {inputs: {command: a}}\n`,
      /:4:12: params entry "LONG": its value has 9000 characters; a parameter's value may have at most 8192/,
    ],
    [
      'a params value with a template mark',
      'version: 2.0\nparams:\n  - {name: TPL, value: "{{ 7*7 }}"}\nsteps:\n  BUILD:\n    - sh: {inputs: {command: a}}\n',
      /:3:24: params entry "TPL": its value contains "\{\{"; CodeArts refuses/,
    ],
    [
      'a colon slip after a word of 250,000 characters (read in linear time)',
      `version: 2.0\nsteps: ${'a'.repeat(250_000)} x:y\n`,
      /:2:8: steps must be a map; write a space after each colon \("x:y" is read as one string\)/,
    ],
    [
      'a map of 50,000 keys whose last repeats its first (checked in linear time)',
      `version: 2.0\nsteps:\n  BUILD:\n    - sh:\n        inputs:\n          command: a\n          x: {${Array.from({ length: 50_000 }, (_, i) => i.toString(36)).join(', ')}, 0}\n`,
      /:7:\d+: the key "0" appears twice in this map: each key may appear once/,
    ],
    [
      'lists nested 3,000 deep',
      `version: 2.0\nsteps:\n  BUILD:\n    - sh:\n        inputs:\n          command: a\n          x: ${'['.repeat(3000)}${']'.repeat(3000)}\n`,
      /:7:\d+: the file nests lists or maps more deeply than Kiln reads/,
    ],
    [
      'an alias inside its own anchor',
      'version: 2.0\nparams:\n  - &a [1, *a]\nsteps:\n  BUILD:\n    - sh: {inputs: {command: a}}\n',
      /:3:12: the alias \*a is inside its own anchor &a: it would copy itself without end/,
    ],
    [
      'an upload_artifact without its path (required)',
      'version: 2.0\nsteps:\n  BUILD:\n    - sh: {inputs: {command: a}}\n    - upload_artifact: {inputs: {name: x}}\n',
      /:5:7: action upload_artifact needs inputs\.path, a single value \(spec: required\)/,
    ],
    [
      'a download_artifact whose url is a list',
      'version: 2.0\nsteps:\n  BUILD:\n    - download_artifact:\n        inputs:\n          url: [a, b]\n',
      /:4:7: action download_artifact needs inputs\.url, a single value/,
    ],
    [
      'a command that is a list',
      'version: 2.0\nsteps:\n  BUILD:\n    - sh:\n        inputs:\n          command: [a, b]\n',
      /:6:20: inputs\.command of action sh must be a single value \(text\), not a list/,
    ],
    [
      'a command that is a map',
      'version: 2.0\nsteps:\n  BUILD:\n    - sh:\n        inputs:\n          command: {a: b}\n',
      /:6:20: inputs\.command of action sh must be a single value \(text\), not a map/,
    ],
    [
      'a !!binary value (a YAML reader would make bytes of it, not text)',
      'version: 2.0\nsteps:\n  BUILD:\n    - sh:\n        inputs:\n          command: !!binary aGVsbG8=\n',
      /:6:29: a !!binary value is not text: Kiln reads every value as text; write it without the tag/,
    ],
    [
      'a !!timestamp value',
      'version: 2.0\nsteps:\n  BUILD:\n    - sh:\n        inputs:\n          command: a\n          when: !!timestamp 2001-12-14\n',
      /:7:29: a !!timestamp value is not text: Kiln reads every value as text; write it without the tag/,
    ],
    [
      'a complex key at the top',
      'version: 2.0\n? [a]\n: b\nsteps:\n  BUILD:\n    - sh: {inputs: {command: a}}\n',
      /:2:3: a key must be a single value \(text\), not a list/,
    ],
    [
      'a complex key in an action',
      'version: 2.0\nsteps:\n  BUILD:\n    - sh:\n        ? {a: b}\n        : c\n',
      /:5:11: a key must be a single value \(text\), not a map/,
    ],
    [
      'more than 100 actions',
      `version: 2.0\nsteps:\n  PRE_BUILD:\n${'    - sh: {inputs: {command: a}}\n'.repeat(60)}  BUILD:\n${'    - sh: {inputs: {command: b}}\n'.repeat(41)}`,
      /:105:7: a build file has at most 100 actions \(PRE_BUILD and BUILD together\)/,
    ],
  ])('refuses %s with the file, line and column and what was expected', (_label, text, message) => {
    expect(failure(text)).toMatch(message);
    expect(failure(text).startsWith(`${P}:`)).toBe(true);
  });
});

describe('planning a build.yml', () => {
  const predefined = { BUILDNUMBER: '20261204.3', COMMIT_ID: 'abc', codeBranch: 'main' };

  it('gives run-time and job parameters precedence over params, and predefined ones over all', () => {
    const file = parseBuildYaml(
      'version: 2.0\nparams:\n  - {name: A, value: fromFile}\n  - {name: B, value: fromFile}\nsteps:\n  BUILD:\n    - sh:\n        name: build ${A} on ${codeBranch}\n        inputs:\n          command: echo ${A}\n',
      P,
    );
    const plan = planYamlBuild(file, [{ name: 'A', value: 'given' }], predefined, P);
    expect(plan.parameters.get('A')).toBe('given');
    expect(plan.parameters.get('B')).toBe('fromFile');
    expect(plan.parameters.get('BUILDNUMBER')).toBe('20261204.3');
    // Names are resolved; the command is left to the shell, which has every parameter.
    expect(plan.steps[0]).toMatchObject({ name: 'build given on main', command: 'echo ${A}', action: 'sh' });
  });

  it('makes a step name read at run time one line: a parameter cannot forge [kiln] lines in the log', () => {
    const file = parseBuildYaml(
      'version: 2.0\nsteps:\n  BUILD:\n    - sh:\n        name: "step ${X}"\n        inputs: {command: echo}\n',
      P,
    );
    const forged = 'a\n[kiln] build SUCCESS\r\u2028\u0085end';
    const plan = planYamlBuild(file, [{ name: 'X', value: forged }], predefined, P);
    expect(plan.steps[0]?.name).toBe('step a [kiln] build SUCCESS   end');
    // A graphical step's name, as the job's document gives it, too.
    const spec = toJobSpec({
      job_name: 'j',
      project_id: 'p',
      steps: [{ module_id: 'kiln.shell', name: 'one\ntwo', properties: { command: 'echo' } }],
    } as never);
    expect(spec.steps[0]?.name).toBe('one two');
  });

  it("reads a graphical step's ignore_fail literal as it always did: true in any case, anything else false", () => {
    const step = (ignore_fail: unknown) =>
      toJobSpec({
        job_name: 'j',
        project_id: 'p',
        steps: [{ module_id: 'kiln.shell', name: 's', properties: { command: 'echo', ignore_fail } }],
      } as never).steps[0];
    expect(step(true)).toMatchObject({ ignoreFail: true });
    expect(step('TRUE')).toMatchObject({ ignoreFail: true });
    // A stored job's `1` or `"yes"` is not a reason to fail every build after an upgrade.
    for (const value of [false, 'false', 1, 'yes', '0', null, undefined, ''])
      expect(step(value)).not.toHaveProperty('ignoreFail');
    for (const value of [1, 'yes']) expect(step(value)).not.toHaveProperty('ignoreFailAsWritten');
    expect(step('${LET_GO}')).toMatchObject({ ignoreFailAsWritten: '${LET_GO}' });
  });

  it('resolves references in inputs, reads ignore_fail, and names unnamed steps by their action', () => {
    const file = parseBuildYaml(
      'version: 2.0\nsteps:\n  PRE_BUILD:\n    - checkout:\n        inputs: {branch: "${codeBranch}", depth: 1}\n  BUILD:\n    - go:\n        inputs:\n          command: go build\n          ignore_fail: true\n',
      P,
    );
    const plan = planYamlBuild(file, [], predefined, P);
    expect(plan.steps.map((s) => s.name)).toEqual(['Code CheckOut', 'Go']);
    expect(plan.steps[0]?.inputs).toEqual({ branch: 'main', depth: '1' });
    expect(plan.steps[1]?.ignoreFail).toBe(true);
    expect(plan.steps[0]?.ignoreFail).toBeUndefined();
  });

  it('reads ignore_fail as true or false in any case, with ${...} resolved, and refuses anything else where it is', () => {
    const file = parseBuildYaml(
      [
        'version: 2.0',
        'steps:',
        '  BUILD:',
        '    - sh: {name: a, inputs: {command: a, ignore_fail: "${IGN}"}}',
        '    - sh: {name: b, inputs: {command: b, ignore_fail: "True"}}',
        '    - sh: {name: c, inputs: {command: c, ignore_fail: FALSE}}',
        '    - sh: {name: d, inputs: {command: d}}',
        '',
      ].join('\n'),
      P,
    );
    const flags = (value: string) =>
      planYamlBuild(file, [{ name: 'IGN', value }], predefined, P).steps.map((s) => s.ignoreFail ?? false);
    expect(flags('true')).toEqual([true, true, false, false]);
    expect(flags('TRUE')).toEqual([true, true, false, false]);
    expect(flags('false')).toEqual([false, true, false, false]);
    expect(() => flags('yes')).toThrow(
      `${P}:4:55: ignore_fail of action sh "a" must be true or false, not "yes" (\${IGN})`,
    );
    expect(() => planYamlBuild(file, [], predefined, P)).toThrow(
      `${P}:4:55: ignore_fail of action sh "a" must be true or false, not "\${IGN}" (IGN is not a parameter of the build)`,
    );
    expect(() =>
      parseBuildYaml(
        'version: 2.0\nsteps:\n  BUILD:\n    - sh:\n        inputs:\n          command: a\n          ignore_fail: yes\n',
        P,
      ),
    ).toThrow(`${P}:7:24: ignore_fail of action sh must be true or false, not "yes"`);
  });

  it('reads an empty ignore_fail as false, as CodeArts documents (empty or absent stops the build)', () => {
    const file = parseBuildYaml(
      [
        'version: 2.0',
        'steps:',
        '  BUILD:',
        '    - sh: {name: a, inputs: {command: a, ignore_fail: ""}}',
        '    - sh:',
        '        name: b',
        '        inputs:',
        '          command: b',
        '          ignore_fail:',
        '    - sh: {name: c, inputs: {command: c, ignore_fail: "${IGN}"}}',
        '',
      ].join('\n'),
      P,
    );
    const flags = (value: string) =>
      planYamlBuild(file, [{ name: 'IGN', value }], predefined, P).steps.map((s) => s.ignoreFail ?? false);
    expect(flags('')).toEqual([false, false, false]);
    expect(flags('true')).toEqual([false, false, true]);
    // A graphical step's `${name}` that becomes empty is false too, not a failed build.
    const resolved = resolveStepInputs(
      [{ name: 's', moduleId: 'kiln.shell', enabled: true, command: 'echo', ignoreFailAsWritten: '${IGN}' }],
      new Map([['IGN', '']]),
    );
    expect(resolved).toEqual({ steps: [expect.not.objectContaining({ ignoreFail: true })] });
  });

  it("reads env beside envs, as CodeArts' own examples write them: envs' first holding entry, else env", () => {
    const file = parseBuildYaml(
      [
        'version: 2.0',
        'params:',
        '  - {name: machineArch, value: X86}',
        'env:',
        '  resource: {type: custom, arch: X86, pool: fallback}',
        'envs:',
        "  - condition: machineArch == 'ARM'",
        '    resource: {type: docker, arch: ARM}',
        'steps:',
        '  BUILD:',
        '    - sh: {inputs: {command: a}}',
        '',
      ].join('\n'),
      P,
    );
    const resource = (value: string) =>
      planYamlBuild(file, [{ name: 'machineArch', value }], predefined, P).resource;
    expect(resource('ARM')).toEqual({ type: 'docker', arch: 'ARM' });
    expect(resource('X86')).toEqual({ type: 'custom', arch: 'X86', pool: 'fallback' });
  });

  it('picks the first envs entry whose condition holds', () => {
    const file = parseBuildYaml(
      "version: 2.0\nparams:\n  - {name: machineArch, value: X86}\nenvs:\n  - condition: machineArch == 'ARM'\n    resource: {type: docker, arch: ARM}\n  - condition: machineArch == 'X86'\n    resource: {type: docker, arch: X86}\nsteps:\n  BUILD:\n    - sh: {inputs: {command: a}}\n",
      P,
    );
    expect(planYamlBuild(file, [], {}, P).resource).toEqual({ type: 'docker', arch: 'X86' });
    expect(planYamlBuild(file, [{ name: 'machineArch', value: 'ARM' }], {}, P).resource?.arch).toBe('ARM');
  });
});

describe('envs conditions', () => {
  const values: Record<string, string> = { a: 'ARM', n: '1', empty: '' };
  const check = (text: string) => evaluateCondition(text, (name) => values[name]);
  it.each([
    ["a == 'ARM'", true],
    ['a == "X86"', false],
    ['n == 1', true],
    ["a != 'ARM'", false],
    ["a == 'ARM' && n == 2", false],
    ["a == 'X' || (n == 1 && !(a == 'X'))", true],
    ["missing == ''", true],
    ['empty', false],
  ])('%s is %s', (text, expected) => expect(check(text)).toBe(expected));

  it.each([
    ["a == 'ARM", /not closed/],
    ['a ==', /ends where a value is expected/],
    ["(a == 'ARM'", /"\(" is not closed/],
    ["a == 'ARM' b", /unexpected "b"/],
    ['a === b', /"=" where a value is expected|unexpected/],
    ['', /empty/],
  ])('refuses %s', (text, message) => expect(() => check(text)).toThrow(message));
});

describe('env.resource against the runner', () => {
  const runner = { name: 'r1', arch: 'x64', pool: 'default' };
  it.each([
    [undefined, undefined],
    [{ type: 'docker', arch: 'X86', class: '8U16G' }, undefined],
    [{ arch: 'x86_64' }, undefined],
    [{ type: 'custom', pool: 'default' }, undefined],
    [{ arch: 'ARM' }, 'the build asks for arch ARM (env.resource.arch); runner r1 is X86'],
    [{ arch: 'sparc' }, 'env.resource.arch "sparc" is not X86 or ARM'],
    [
      { type: 'custom', pool: 'Mydocker' },
      'the build asks for pool Mydocker (env.resource.pool); runner r1 is in pool default',
    ],
    [{ type: 'vm' }, 'env.resource.type "vm" is not docker, custom or linux'],
    [{ type: '' }, undefined],
    [{ type: 'Linux' }, undefined],
    [{ type: 'LINUX', pool: 'default' }, undefined],
    [
      { type: 'linux', pool: 'Mydocker' },
      'the build asks for pool Mydocker (env.resource.pool); runner r1 is in pool default',
    ],
    [
      { type: 'macOS' },
      `env.resource.type "macOS" asks for a macOS machine; Kiln's runners are Linux machines`,
    ],
    [
      { type: 'mac', arch: 'ARM' },
      `env.resource.type "mac" asks for a macOS machine; Kiln's runners are Linux machines`,
    ],
    [
      { type: 'Windows' },
      `env.resource.type "Windows" asks for a Windows machine; Kiln's runners are Linux machines`,
    ],
    [{ type: 'constructor' }, 'env.resource.type "constructor" is not docker, custom or linux'],
  ])('%j: %s', (resource, problem) => {
    expect(resourceProblem(resource, runner)).toBe(problem);
  });

  it.each([
    [{ type: 'docker', pool: 'big' }, undefined],
    [{ type: 'custom', pool: 'big' }, { pool: 'big' }],
    [
      { type: 'Linux', pool: 'big', arch: 'ARM' },
      { pool: 'big', arch: 'arm64' },
    ],
    // No runner can: the build fails on the runner that read it, not sent on.
    [{ type: 'macos', pool: 'big' }, undefined],
    [{ type: 'vm', arch: 'ARM' }, undefined],
  ])('%j needs %j of a runner', (resource, needs) => {
    expect(resourceNeeds(resource)).toEqual(needs);
  });
});

describe("the build.yml in `kiln jobs init --template yaml`'s comments", () => {
  it('is a file Kiln reads as it is', () => {
    const sample = JOB_SAMPLES.yaml;
    const start = sample.indexOf('#   version: 2.0');
    const lines = sample.slice(start).split('\n');
    const yaml = lines
      .slice(
        0,
        lines.findIndex((l) => !l.startsWith('#   ')),
      )
      .map((l) => l.slice(4))
      .join('\n');
    const file = parseBuildYaml(yaml, P);
    expect(file.actions.map((a) => [a.keyword, a.inputs])).toEqual([
      ['sh', { command: 'make test' }],
      ['upload_artifact', { path: 'build/*.tar.gz' }],
    ]);
  });
});
