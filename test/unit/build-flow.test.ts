import { describe, expect, it } from 'vitest';
import { flowStep, parseBuildFlow, selectFlow, type FlowChild } from '../../src/domain/build-flow.ts';

const P = '.cloudbuild/build.yml';
const failure = (text: string) => {
  try {
    parseBuildFlow(text, P);
  } catch (error) {
    return (error as Error).message;
  }
  return 'no error';
};

describe('reading a BuildFlow file', () => {
  it('is undefined for a single-job file', () => {
    expect(
      parseBuildFlow('version: 2.0\nsteps:\n  BUILD:\n    - sh: {inputs: {command: a}}\n', P),
    ).toBeUndefined();
  });

  it('reads the documented example, with jobs inside buildflow or beside it', () => {
    const inside = `version: 2.0
params:
  - name: buildFlowParam
    value: buildFlowValue
buildflow:
  strategy: lazy
  jobs:
    - job: Job3
      depends_on:
        - Job1
        - Job2
      build_ref: .cloudbuild/build3.yml
    - job: Job1
      build_ref: .cloudbuild/build1.yml
      params:
        - name: x
          value: 1
    - job: Job2
      build_ref: .cloudbuild/build2.yml
`;
    const flow = parseBuildFlow(inside, P);
    expect(flow).toEqual({
      params: [{ name: 'buildFlowParam', value: 'buildFlowValue' }],
      flows: [
        {
          strategy: 'lazy',
          jobs: [
            { name: 'Job3', dependsOn: ['Job1', 'Job2'], buildRef: '.cloudbuild/build3.yml', params: [] },
            {
              name: 'Job1',
              dependsOn: [],
              buildRef: '.cloudbuild/build1.yml',
              params: [{ name: 'x', value: '1' }],
            },
            { name: 'Job2', dependsOn: [], buildRef: '.cloudbuild/build2.yml', params: [] },
          ],
        },
      ],
    });
    const beside = 'version: 2.0\nbuildflow:\n  strategy: eager\njobs:\n  - {job: a, build_ref: a.yml}\n';
    expect(parseBuildFlow(beside, P)?.flows[0]).toEqual({
      strategy: 'eager',
      jobs: [{ name: 'a', dependsOn: [], buildRef: 'a.yml', params: [] }],
    });
  });

  it('keeps a dependency named twice once (one edge)', () => {
    const file =
      'version: 2.0\nbuildflow:\n  jobs:\n    - {job: a, build_ref: a.yml}\n    - {job: b, depends_on: [a, a, a], build_ref: b.yml}\n';
    expect(parseBuildFlow(file, P)?.flows[0]?.jobs[1]?.dependsOn).toEqual(['a']);
  });

  it('picks the first buildflows entry whose condition holds', () => {
    const file = parseBuildFlow(
      `version: 2.0
params:
  - {name: target, value: prod}
buildflows:
  - condition: target == 'test'
    jobs:
      - {job: t, build_ref: t.yml}
  - condition: target == 'prod'
    buildflow:
      strategy: lazy
      jobs:
        - {job: p, build_ref: p.yml}
`,
      P,
    )!;
    const lookup = (values: Record<string, string>) => (name: string) => values[name];
    expect(selectFlow(file, lookup({ target: 'prod' }), P).jobs[0]?.name).toBe('p');
    expect(selectFlow(file, lookup({ target: 'test' }), P).jobs[0]?.name).toBe('t');
    expect(() => selectFlow(file, lookup({ target: 'x' }), P)).toThrow('no condition of buildflows holds');
  });

  it.each([
    ['a job twice', '- {job: a, build_ref: a.yml}\n    - {job: a, build_ref: b.yml}', 'two jobs are named a'],
    ['a self-dependency', '- {job: a, depends_on: [a], build_ref: a.yml}', 'job a depends on itself'],
    [
      'an unknown dependency',
      '- {job: a, depends_on: [zz], build_ref: a.yml}',
      'job a depends on zz, which is not a job',
    ],
    [
      'a circle',
      '- {job: a, depends_on: [b], build_ref: a.yml}\n    - {job: b, depends_on: [a], build_ref: b.yml}',
      'in a circle: a -> b -> a',
    ],
    [
      'a path out of the repository',
      '- {job: a, build_ref: ../a.yml}',
      'build_ref must be a path inside the repository',
    ],
    ['no build_ref', '- {job: a}', 'build_ref must be a path'],
    ['an unknown key', '- {job: a, build_ref: a.yml, when: x}', 'unknown key "when" in a flow job'],
    [
      'a job input CodeArts forbids',
      '- {job: a, build_ref: a.yml, params: [{name: BASH_ENV, value: /tmp/x}]}',
      'a.params entry "BASH_ENV" cannot be a parameter: CodeArts forbids',
    ],
  ])('refuses %s, naming it', (_label, jobs, message) => {
    expect(failure(`version: 2.0\nbuildflow:\n  jobs:\n    ${jobs}\n`)).toContain(message);
  });

  it('names the line and column of a graph error: the dependency, the second of two names, the circle', () => {
    const flow = (jobs: string) => `version: 2.0\nbuildflow:\n  jobs:\n${jobs}`;
    expect(
      failure(
        flow('    - {job: a, build_ref: a.yml}\n    - {job: b, build_ref: b.yml, depends_on: [a, nosuch]}\n'),
      ),
    ).toBe(`${P}:5:50: buildflow: job b depends on nosuch, which is not a job of the flow`);
    expect(failure(flow('    - {job: a, build_ref: a.yml}\n    - {job: a, build_ref: b.yml}\n'))).toBe(
      `${P}:5:7: buildflow: two jobs are named a`,
    );
    expect(failure(flow('    - {job: a, build_ref: a.yml, depends_on: [a]}\n'))).toMatch(
      /:4:47: buildflow: job a depends on itself$/,
    );
    expect(
      failure(
        flow(
          '    - {job: a, build_ref: a.yml, depends_on: [b]}\n    - {job: b, build_ref: b.yml, depends_on: [a]}\n',
        ),
      ),
    ).toMatch(/:4:47: buildflow: the jobs depend on each other in a circle: a -> b -> a$/);
  });

  it("checks env and envs as a single-job file does, and takes them (as CodeArts' example has them)", () => {
    const jobs = 'buildflow:\n  jobs:\n    - {job: a, build_ref: a.yml}\n';
    expect(failure(`version: 2.0\nenv:\n  resource:\n    archh: X86\n${jobs}`)).toBe(
      `${P}:4:5: unknown key "archh" in env.resource; it has type, arch, class, pool, cache`,
    );
    const flow = parseBuildFlow(
      `version: 2.0\nenvs:\n  - condition: a == b\n    resource: {arch: X86}\n${jobs}`,
      P,
    );
    expect(flow?.flows[0]?.jobs.map((j) => j.name)).toEqual(['a']);
    // CodeArts' multi-task example gives params, env and envs together before the flow.
    const both = parseBuildFlow(
      `version: 2.0\nparams:\n  - {name: a, value: b}\nenv:\n  resource: {type: docker, arch: X86}\nenvs:\n  - condition: a == 'b'\n    resource: {type: docker, arch: X86}\n${jobs}`,
      P,
    );
    expect(both?.flows[0]?.jobs.map((j) => j.name)).toEqual(['a']);
  });

  it('refuses keys beside a nested buildflow of buildflows, and jobs in two places', () => {
    expect(
      failure(
        'version: 2.0\nbuildflows:\n  - condition: "1 == 1"\n    strategy: lazy\n    buildflow:\n      jobs:\n        - {job: a, build_ref: a.yml}\n',
      ),
    ).toMatch(/:4:5: "strategy" beside buildflows\[0\]\.buildflow: give it inside that buildflow/);
    expect(
      failure(
        'version: 2.0\nbuildflow:\n  jobs:\n    - {job: a, build_ref: a.yml}\njobs:\n  - {job: b, build_ref: b.yml}\n',
      ),
    ).toMatch(/:5:1: give jobs either inside buildflow or beside it, not both/);
    expect(
      failure(
        'version: 2.0\nbuildflows:\n  - {condition: "1 == 1", jobs: [{job: a, build_ref: a.yml}]}\njobs:\n  - {job: b, build_ref: b.yml}\n',
      ),
    ).toMatch(/:4:1: jobs beside buildflows/);
  });

  it('refuses a bad strategy, jobs_resolver, and a flow without jobs', () => {
    expect(
      failure('version: 2.0\nbuildflow:\n  strategy: fast\n  jobs:\n    - {job: a, build_ref: a.yml}\n'),
    ).toMatch(/:3:13: buildflow.strategy must be eager or lazy, not "fast"/);
    expect(failure('version: 2.0\nbuildflow:\n  jobs_resolver: {provider: x}\n')).toContain('jobs_resolver');
    expect(failure('version: 2.0\nbuildflow:\n  strategy: eager\n')).toContain(
      'buildflow needs a list of jobs',
    );
  });
});

describe('moving a flow on', () => {
  const child = (
    name: string,
    dependsOn: string[],
    state: FlowChild['state'] = '',
    started = false,
  ): FlowChild => ({
    name,
    dependsOn,
    recordId: `r-${name}`,
    started: started || state !== '',
    state,
    cancelled: false,
  });

  it('eager: queues every job whose dependencies succeeded', () => {
    const step = flowStep([child('a', []), child('b', []), child('c', ['a'])], 'eager', false);
    expect(step).toEqual({ start: ['r-a', 'r-b'], skip: [] });
    const next = flowStep(
      [child('a', [], 'SUCCESS'), child('b', [], '', true), child('c', ['a'])],
      'eager',
      false,
    );
    expect(next).toEqual({ start: ['r-c'], skip: [] });
  });

  it('lazy: one job at a time, in file order', () => {
    expect(flowStep([child('a', []), child('b', [])], 'lazy', false).start).toEqual(['r-a']);
    expect(flowStep([child('a', [], '', true), child('b', [])], 'lazy', false).start).toEqual([]);
    expect(flowStep([child('a', [], 'SUCCESS'), child('b', [])], 'lazy', false).start).toEqual(['r-b']);
  });

  it('lazy: a job that did not succeed ends the flow; what waits does not start', () => {
    expect(flowStep([child('a', [], 'FAILURE'), child('b', []), child('c', ['b'])], 'lazy', false)).toEqual({
      start: [],
      skip: [
        { recordId: 'r-b', reason: 'the flow is lazy and a ended FAILURE' },
        { recordId: 'r-c', reason: 'it depends on b, which ended ABORTED' },
      ],
      done: 'FAILURE',
    });
    // Eager goes on with what does not depend on it.
    expect(flowStep([child('a', [], 'FAILURE'), child('b', [])], 'eager', false).start).toEqual(['r-b']);
  });

  it("skips a failed job's dependants and theirs, and ends the flow FAILURE once all ended", () => {
    const step = flowStep(
      [child('a', [], 'FAILURE'), child('b', ['a']), child('c', ['b']), child('d', [], 'SUCCESS')],
      'eager',
      false,
    );
    expect(step).toEqual({
      start: [],
      skip: [
        { recordId: 'r-b', reason: 'it depends on a, which ended FAILURE' },
        { recordId: 'r-c', reason: 'it depends on b, which ended ABORTED' },
      ],
      done: 'FAILURE',
    });
  });

  it('a job whose build was deleted fails the flow, and its dependants do not run', () => {
    // FlowService stands in a made-up name with FAILURE for it (its row went with its build).
    const step = flowStep(
      [
        child('(job 1, its build deleted)', [], 'FAILURE'),
        child('after', ['broken']),
        child('p', [], 'SUCCESS'),
      ],
      'eager',
      false,
    );
    expect(step).toEqual({
      start: [],
      skip: [{ recordId: 'r-after', reason: 'it depends on broken, whose build was deleted' }],
      done: 'FAILURE',
    });
  });

  it('a stopped flow queues nothing, skips what waits, and ends ABORTED once its running jobs end', () => {
    const running = flowStep([child('a', [], '', true), child('b', ['a'])], 'eager', true);
    expect(running).toEqual({
      start: [],
      skip: [{ recordId: 'r-b', reason: 'the flow was stopped before this job started' }],
    });
    expect(flowStep([child('a', [], 'ABORTED'), child('b', ['a'], 'ABORTED')], 'eager', true).done).toBe(
      'ABORTED',
    );
  });

  it('succeeds when every job did; a job stopped before it started is skipped', () => {
    expect(flowStep([child('a', [], 'SUCCESS')], 'eager', false).done).toBe('SUCCESS');
    const stopped = { ...child('b', []), cancelled: true };
    expect(flowStep([stopped], 'eager', false).skip).toEqual([
      { recordId: 'r-b', reason: 'it was stopped before it started' },
    ]);
  });
});
