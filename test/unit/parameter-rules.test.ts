import { describe, expect, it } from 'vitest';
import { planBuild } from '../../src/domain/build-plan.ts';
import { toJobSpec } from '../../src/domain/job-config.ts';
import { isReservedParameter } from '../../src/domain/parameter-rules.ts';
import { baseEnvironment } from '../../src/runner/build-execution.ts';

/** A job with one shell step and these parameters, as stored (not checked: saved before a rule existed). */
function storedJob(parameters: [string, string][], configType: 'ACTION' | 'YAML' = 'ACTION') {
  return toJobSpec({
    job_name: 'j',
    project_id: 'p',
    arch: 'x86-64',
    build_config_type: configType,
    scms: [{ url: 'https://example.com/r.git', scm_type: 'git', branch: 'main' }],
    steps: [{ name: 's', module_id: 'kiln.shell', properties: { command: 'true' } }],
    parameters: parameters.map(([name, defaultValue]) => ({
      name: 'hudson.model.StringParameterDefinition',
      params: [
        { name: 'name', value: name },
        { name: 'defaultValue', value: defaultValue },
      ],
    })),
  } as never);
}

describe("CodeArts' parameter rules at run time", () => {
  it('holds a job saved before a rule existed to it: its defaults would reach the build', () => {
    expect(planBuild(storedJob([['LD_PRELOAD', '/tmp/x.so']]), { parameters: [] })).toEqual([
      {
        field: 'parameters',
        message: expect.stringMatching(
          /^the job's parameter "LD_PRELOAD" cannot be a parameter: CodeArts forbids .*; change the job$/,
        ),
      },
    ]);
    expect(planBuild(storedJob([['T', '{% x %}']]), { parameters: [] })).toEqual([
      {
        field: 'parameters',
        message: expect.stringContaining(`the default of the job's parameter "T" contains "{%"`),
      },
    ]);
    // A value given at run time replaces the default: only it is checked.
    expect(
      planBuild(storedJob([['T', '{% x %}']]), { parameters: [{ name: 'T', value: 'ok' }] }),
    ).not.toBeInstanceOf(Array);
  });

  it('takes the last value of a name given twice (a client sends the defaults, then its own)', () => {
    const planned = planBuild(storedJob([['T', 'x']]), {
      parameters: [
        { name: 'T', value: 'default' },
        { name: 'T', value: 'wanted' },
      ],
    });
    expect(planned).not.toBeInstanceOf(Array);
    expect(
      (planned as { plan: { parameters: { name: string; value: string }[] } }).plan.parameters,
    ).toContainEqual(expect.objectContaining({ name: 'T', value: 'wanted' }));
  });

  it('gives a code-based job any valid name, and the true reason for one it refuses', () => {
    const yaml = storedJob([], 'YAML');
    expect(planBuild(yaml, { parameters: [{ name: 'FROM_FILE', value: 'x' }] })).not.toBeInstanceOf(Array);
    const reasons = (name: string) =>
      (planBuild(yaml, { parameters: [{ name, value: 'x' }] }) as { message: string }[]).map(
        (i) => i.message,
      );
    expect(reasons('BUILDNUMBER')).toEqual(['"BUILDNUMBER" is set by Kiln and cannot be a parameter']);
    // Every name of the runner's base environment, so a parameter never replaces it in a step.
    for (const name of Object.keys(baseEnvironment('/usr/bin', '/home/build')))
      expect(isReservedParameter(name), name).toBe(true);
    expect(reasons('LANG')).toEqual(['"LANG" is set by Kiln and cannot be a parameter']);
    expect(reasons('PATH')).toEqual([
      expect.stringMatching(/^"PATH" cannot be a parameter: CodeArts forbids/),
    ]);
    expect(reasons('bad-name')).toEqual([
      '"bad-name" must be a name of at most 128 letters, digits and _, not starting with a digit',
    ]);
    expect(reasons('{{ x }}')).toEqual([expect.stringMatching(/^"\{\{ x \}\}" must be a name/)]);
  });
});
