import { describe, expect, it } from 'vitest';
import { checkJobConfig } from '../../src/domain/job-config.ts';
import { parseJobDocument } from '../../src/domain/job-document.ts';

const doc = {
  job_name: 'j',
  arch: 'x86-64',
  project_id: 'a'.repeat(32),
  steps: [{ module_id: 'kiln.shell', name: 's', properties: { command: 'true' } }],
};

describe('parseJobDocument', () => {
  it('keeps the known top-level fields in the schema order and drops the rest', () => {
    const parsed = parseJobDocument({ ...doc, kiln_sealed: 'x', extra: 1 });
    expect(Object.keys(parsed)).toEqual(['arch', 'project_id', 'job_name', 'steps']);
    expect(parsed.steps[0]?.properties).toEqual({ command: 'true' });
  });

  it('accepts a null parameter value, as the API does', () => {
    const parameters = [{ name: 'p', params: [{ name: 'defaultValue', value: null }] }];
    expect(parseJobDocument({ ...doc, parameters }).parameters).toEqual(parameters);
  });

  it('refuses what the API would refuse, naming where', () => {
    expect(() => parseJobDocument({ ...doc, steps: [{ name: 's' }] })).toThrow(/\/steps\/0/);
    expect(() => parseJobDocument({ ...doc, project_id: 'nope' })).toThrow(/\/project_id/);
    expect(() => parseJobDocument('text')).toThrow(/job document is not valid/);
    expect(() => parseJobDocument(null)).toThrow(/job document is not valid/);
  });
});

describe('checkJobConfig of a code-based job', () => {
  const yamlPath = (value: string) => ({
    name: 'hudson.model.StringParameterDefinition',
    params: [
      { name: 'name', value: 'CB_BUILD_YAML_PATH' },
      { name: 'defaultValue', value },
    ],
  });
  const yaml = {
    ...parseJobDocument(doc),
    build_config_type: 'YAML',
    steps: [],
    scms: [{ url: 'file:///r', scm_type: 'git' }],
  };

  it('needs a repository, not steps', () => {
    expect(checkJobConfig(yaml)).toEqual([]);
    expect(checkJobConfig({ ...yaml, scms: [] }).map((i) => i.field)).toEqual(['scms']);
  });

  it('says that a job with no steps and no build_config_type wants build_config_type YAML to read its build.yml', () => {
    const { build_config_type: _type, ...untyped } = yaml;
    expect(checkJobConfig(untyped)).toEqual([
      {
        field: 'steps',
        message:
          "must have at least one step (or, for a job whose steps are the repository's .cloudbuild/build.yml, set build_config_type: YAML)",
      },
    ]);
    // Typed ACTION on purpose: the type is not the slip, so the message does not suggest changing it.
    expect(checkJobConfig({ ...yaml, build_config_type: 'ACTION' })).toEqual([
      { field: 'steps', message: 'must have at least one step' },
    ]);
  });

  it('refuses a default build.yml path outside the repository when saved, not at the first run', () => {
    expect(checkJobConfig({ ...yaml, parameters: [yamlPath('ci/build.yml')] })).toEqual([]);
    expect(checkJobConfig({ ...yaml, parameters: [yamlPath('')] })).toEqual([]);
    expect(checkJobConfig({ ...yaml, parameters: [yamlPath('../x.yml')] })).toEqual([
      {
        field: 'parameters[0].params.defaultValue',
        message: '"../x.yml" is not a path inside the repository (relative, without ..)',
      },
    ]);
    // A graphical job's CB_BUILD_YAML_PATH is an ordinary parameter.
    const graphical = { ...parseJobDocument(doc), parameters: [yamlPath('/abs')] };
    expect(checkJobConfig(graphical)).toEqual([]);
  });
});

describe('checkJobConfig of a codeBranch default', () => {
  const branch = (value: string) => ({
    ...parseJobDocument(doc),
    parameters: [
      {
        name: 'hudson.model.StringParameterDefinition',
        params: [
          { name: 'name', value: 'codeBranch' },
          { name: 'defaultValue', value },
        ],
      },
    ],
  });

  it('refuses one git would not take as a branch when saved, not at every scheduled build', () => {
    expect(checkJobConfig(branch('release/1.0'))).toEqual([]);
    expect(checkJobConfig(branch(''))).toEqual([]); // the repository's branch
    for (const bad of ['bad..branch', '-x', 'a b', 'HEAD'])
      expect(checkJobConfig(branch(bad))).toEqual([
        { field: 'parameters[0].params.defaultValue', message: `"${bad}" is not a valid branch name` },
      ]);
  });
});
