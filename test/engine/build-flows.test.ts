import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestRepo } from '../helpers/git.ts';
import { MODES, newYamlJob, startModeKiln, waitUntil, type EngineKiln } from '../helpers/engine.ts';

/**
 * BuildFlows: a build.yml with `buildflow` runs each job of the flow as a build of its own, in
 * dependency order, in parallel where the graph allows; a failed job's dependants do not run; a
 * circle or a missing job file fails the flow before any job starts; stopping the flow stops its
 * jobs. On SQLite and PostgreSQL, with the server's own runner and a remote one.
 */

const job = (name: string, command: string) =>
  `version: 2.0\nparams:\n  - name: WHO\n    value: ${name}-file\nsteps:\n  BUILD:\n    - sh:\n        name: ${name}\n        inputs:\n          command: '${command.replaceAll("'", "''")}'\n`;

const FILES = {
  'flows/diamond.yml': `version: 2.0
params:
  - name: FLOW_PARAM
    value: from-flow
  - name: WHO
    value: flow-file
buildflow:
  strategy: eager
  jobs:
    - job: d
      depends_on: [b, c]
      build_ref: jobs/d.yml
    - job: a
      build_ref: jobs/a.yml
      params:
        - name: INPUT
          value: to-a
    - job: b
      depends_on: [a]
      build_ref: jobs/b.yml
    - job: c
      depends_on: [a]
      build_ref: jobs/plain.yml
`,
  'jobs/a.yml': job('a', 'echo "a: WHO=$WHO INPUT=$INPUT FLOW_PARAM=$FLOW_PARAM FILE=$CB_BUILD_YAML_PATH"'),
  'jobs/b.yml': job('b', 'echo b ran'),
  'jobs/d.yml': job('d', 'echo d ran'),
  'jobs/plain.yml':
    'version: 2.0\nsteps:\n  BUILD:\n    - sh:\n        inputs:\n          command: echo "plain WHO=$WHO"\n',
  'jobs/fail.yml': job('fail', 'echo failing; exit 4'),
  'jobs/slow.yml': job('slow', 'echo slow started; sleep 30'),
  'flows/failing.yml': `version: 2.0
buildflow:
  jobs:
    - {job: first, build_ref: jobs/b.yml}
    - {job: middle, depends_on: [first], build_ref: jobs/fail.yml}
    - {job: after, depends_on: [middle], build_ref: jobs/d.yml}
    - {job: later, depends_on: [after], build_ref: jobs/d.yml}
    - {job: aside, depends_on: [first], build_ref: jobs/plain.yml}
`,
  'flows/circle.yml': `version: 2.0
buildflow:
  jobs:
    - {job: x, depends_on: [z], build_ref: jobs/b.yml}
    - {job: y, depends_on: [x], build_ref: jobs/b.yml}
    - {job: z, depends_on: [y], build_ref: jobs/b.yml}
`,
  'flows/missing.yml': `version: 2.0
buildflow:
  jobs:
    - {job: here, build_ref: jobs/b.yml}
    - {job: gone, build_ref: jobs/nowhere.yml}
`,
  'flows/lazy.yml': `version: 2.0
buildflow:
  strategy: lazy
  jobs:
    - {job: one, build_ref: jobs/b.yml}
    - {job: two, build_ref: jobs/d.yml}
    - {job: three, build_ref: jobs/plain.yml}
`,
  'flows/stop.yml': `version: 2.0
buildflow:
  jobs:
    - {job: slow, build_ref: jobs/slow.yml}
    - {job: never, depends_on: [slow], build_ref: jobs/d.yml}
`,
};

describe.each(MODES)('BuildFlows, %s', (_label, mode, enabled) => {
  let kiln: { ek: EngineKiln; close(): Promise<void> };
  let ek: EngineKiln;
  let repo: TestRepo;

  beforeAll(async () => {
    if (!enabled) return;
    kiln = await startModeKiln(mode);
    ek = kiln.ek;
    repo = new TestRepo();
    repo.commit('flows', FILES);
  }, 60_000);
  afterAll(() => kiln?.close());

  /** The flow's jobs as the graph gives them, by name. */
  async function graph(recordId: string) {
    const res = await ek.get(`/v1/record/${recordId}/flow-graph`);
    expect(res.statusCode, res.body).toBe(200);
    return res.json().result as {
      vertices: {
        id: string;
        status: string;
        display_name: string;
        build_no: string;
        start_time: string;
        finish_time: string;
      }[];
      edges: { from: string; to: string }[];
    };
  }

  it.skipIf(!enabled)(
    'runs a diamond in dependency order, each job a build of its own whose record names the flow',
    async () => {
      const jobId = await newYamlJob(ek, repo.url, 'flows/diamond.yml');
      await ek.run(jobId, { parameter: [{ name: 'FLOW_PARAM', value: 'from-run' }] });
      const flow = await ek.waitFinished(jobId, 1, 60_000);
      const flowLog = await ek.log(jobId, 1);
      expect(flow.state, flowLog).toBe('SUCCESS');
      expect(flowLog).toContain('a BuildFlow of 4 jobs (eager): d, a, b, c');
      expect(flowLog).toContain('BuildFlow finished: SUCCESS');
      const flowId = (await ek.recordInfo(jobId, 1)).id;
      const g = await graph(flowId);
      expect(g.vertices.map((v) => [v.display_name, v.status])).toEqual([
        ['d', 'SUCCESS'],
        ['a', 'SUCCESS'],
        ['b', 'SUCCESS'],
        ['c', 'SUCCESS'],
      ]);
      const byName = new Map(g.vertices.map((v) => [v.display_name, v]));
      const id = (n: string) => byName.get(n)!.id;
      expect(g.edges).toEqual([
        { from: id('b'), to: id('d') },
        { from: id('c'), to: id('d') },
        { from: id('a'), to: id('b') },
        { from: id('a'), to: id('c') },
      ]);
      // d started after b and c ended; b and c after a.
      const at = (t: string) => Date.parse(t);
      expect(at(byName.get('d')!.start_time)).toBeGreaterThanOrEqual(at(byName.get('b')!.finish_time));
      expect(at(byName.get('d')!.start_time)).toBeGreaterThanOrEqual(at(byName.get('c')!.finish_time));
      expect(at(byName.get('b')!.start_time)).toBeGreaterThanOrEqual(at(byName.get('a')!.finish_time));
      // Each job's record names the flow; parameters: run-time > the job's file > its inputs > the flow file.
      const a = Number(byName.get('a')!.build_no);
      expect((await ek.recordInfo(jobId, a)).parent_record_id).toBe(flowId);
      expect((await ek.recordInfo(jobId, 1)).parent_record_id).toBe('');
      // Its CB_BUILD_YAML_PATH (variable and record) names its own file, not the flow's.
      expect(await ek.log(jobId, a)).toContain(
        'a: WHO=a-file INPUT=to-a FLOW_PARAM=from-run FILE=jobs/a.yml',
      );
      expect((await ek.details(jobId, a)).parameters).toMatchObject({ CB_BUILD_YAML_PATH: 'jobs/a.yml' });
      expect((await ek.details(jobId, 1)).parameters).toMatchObject({
        CB_BUILD_YAML_PATH: 'flows/diamond.yml',
      });
      expect(await ek.log(jobId, Number(byName.get('c')!.build_no))).toContain('plain WHO=flow-file');
      const v3 = await ek.get(`/v3/${flowId}/flow-graph`);
      expect(v3.json()).toMatchObject({ success: true, err_code: '', result: { vertices: g.vertices } });
    },
    120_000,
  );

  it.skipIf(!enabled)(
    "a failed job's dependants do not run; the others go on; the flow fails",
    async () => {
      const jobId = await newYamlJob(ek, repo.url, 'flows/failing.yml');
      await ek.run(jobId);
      const flow = await ek.waitFinished(jobId, 1, 60_000);
      expect(flow.state, await ek.log(jobId, 1)).toBe('FAILURE');
      const g = await graph((await ek.recordInfo(jobId, 1)).id);
      expect(g.vertices.map((v) => [v.display_name, v.status])).toEqual([
        ['first', 'SUCCESS'],
        ['middle', 'FAILURE'],
        ['after', 'ABORTED'],
        ['later', 'ABORTED'],
        ['aside', 'SUCCESS'],
      ]);
      const after = Number(g.vertices[2]!.build_no);
      expect(await ek.log(jobId, after)).toContain('not run: it depends on middle, which ended FAILURE');
      expect(await ek.log(jobId, Number(g.vertices[3]!.build_no))).toContain(
        'not run: it depends on after, which ended ABORTED',
      );
      // The flow's log has a line for each job's end, and ends with its outcome.
      const ends = (log: string) => log.split('\n').filter((l) => / ended /.test(l));
      const flowLog = await waitUntil('a line for every job', async () => {
        const log = await ek.log(jobId, 1);
        return ends(log).length >= 5 ? log : undefined;
      });
      expect(ends(flowLog)).toHaveLength(5);
      expect(ends(flowLog).filter((l) => l.includes('ABORTED (not run: it depends on'))).toHaveLength(2);
      expect(flowLog.trimEnd().split('\n').at(-1)).toBe('[kiln] BuildFlow finished: FAILURE');
    },
    120_000,
  );

  it.skipIf(!enabled)(
    'refuses a circle and a missing job file before any job starts, naming them',
    async () => {
      for (const [path, message] of [
        ['flows/circle.yml', 'the jobs depend on each other in a circle: x -> z -> y -> x'],
        ['flows/missing.yml', 'job gone: '],
      ] as const) {
        const jobId = await newYamlJob(ek, repo.url, path);
        await ek.run(jobId);
        const r = await ek.waitFinished(jobId, 1, 60_000);
        const log = await ek.log(jobId, 1);
        expect(r.state, log).toBe('FAILURE');
        expect(log).toContain(message);
        expect(await ek.records(jobId)).toHaveLength(1);
      }
    },
    120_000,
  );

  it.skipIf(!enabled)(
    'lazy: one job at a time, in file order',
    async () => {
      const jobId = await newYamlJob(ek, repo.url, 'flows/lazy.yml');
      await ek.run(jobId);
      expect((await ek.waitFinished(jobId, 1, 60_000)).state).toBe('SUCCESS');
      const g = await graph((await ek.recordInfo(jobId, 1)).id);
      const [one, two, three] = g.vertices.map((v) => [Date.parse(v.start_time), Date.parse(v.finish_time)]);
      expect(two![0]).toBeGreaterThanOrEqual(one![1]!);
      expect(three![0]).toBeGreaterThanOrEqual(two![1]!);
    },
    120_000,
  );

  it.skipIf(!enabled)(
    'stopping the flow stops its running job; the rest never start',
    async () => {
      const jobId = await newYamlJob(ek, repo.url, 'flows/stop.yml');
      await ek.run(jobId);
      const flowId = await waitUntil(
        'the flow',
        async () => {
          const info = await ek.recordInfo(jobId, 1);
          return info.record_status === 'Running' && (await ek.records(jobId)).length === 3
            ? info.id
            : undefined;
        },
        30_000,
      );
      const slow = await waitUntil(
        'the slow job',
        async () => {
          const v = (await graph(flowId)).vertices[0]!;
          return v.status === 'RUNNING' && (await ek.log(jobId, Number(v.build_no))).includes('slow started')
            ? Number(v.build_no)
            : undefined;
        },
        30_000,
      );
      const stop = await ek.post(`/v3/jobs/${jobId}/1/stop`);
      expect(stop.statusCode, stop.body).toBe(200);
      expect((await ek.waitFinished(jobId, 1, 30_000)).state).toBe('ABORTED');
      expect((await ek.record(jobId, slow)).state).toBe('ABORTED');
      const g = await graph(flowId);
      expect(g.vertices.map((v) => v.status)).toEqual(['ABORTED', 'ABORTED']);
      expect(await ek.log(jobId, Number(g.vertices[1]!.build_no))).toContain('not run: the flow was stopped');
    },
    120_000,
  );
});
