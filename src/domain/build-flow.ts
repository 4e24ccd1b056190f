import { isMap, isScalar, isSeq, type YAMLMap } from 'yaml';
import { FLOW_KEYS, readEnv, readParams } from './build-yaml.ts';
import type { BuildState } from './build.ts';
import { evaluateCondition } from './condition.ts';
import { isRepositoryPath } from './job-parameters.ts';
import { parameterNameProblem, parameterValueProblem } from './parameter-rules.ts';
import { BuildYamlError, yamlReader, type YamlReader } from './yaml-reader.ts';

/**
 * A BuildFlow file (shared/spec/build-yaml.md §5): several jobs, each a single-job build.yml of
 * the same commit (`build_ref`), run as a graph (`depends_on`), `eager` (every job whose
 * dependencies succeeded starts at once) or `lazy` (one job at a time, in file order). Each job
 * becomes a build of its own, whose record names the flow's as its parent. Decisions in
 * docs/build-yaml.md ("BuildFlow").
 */

export type FlowStrategy = 'eager' | 'lazy';

/** One job of a flow. */
export interface FlowJob {
  name: string;
  dependsOn: string[];
  /** The job's single-job file, relative to the repository's root. */
  buildRef: string;
  /** Its inputs (`jobs[].params`). */
  params: { name: string; value: string }[];
}

/** One flow of the file: `buildflow`, or an entry of `buildflows` with its condition. */
export interface FlowBody {
  condition?: string;
  strategy: FlowStrategy;
  jobs: FlowJob[];
}

export interface BuildFlowFile {
  params: { name: string; value: string }[];
  flows: FlowBody[];
}

/** Where a job of the file was read, and where one of its dependencies is named: graph errors name the place. */
const places = new WeakMap<FlowJob, (dependency?: string) => number | undefined>();
const placeOf = (job: FlowJob, dependency?: string) => places.get(job)?.(dependency);

/** Most jobs one flow runs. */
export const MAX_FLOW_JOBS = 100;
const JOB_NAME = /^[\w.-]{1,64}$/;
const TOP_KEYS = ['version', 'params', 'env', 'envs', 'buildflow', 'buildflows', 'jobs'];
const FLOW_BODY_KEYS = ['strategy', 'jobs'];
const JOB_KEYS = ['job', 'depends_on', 'build_ref', 'params'];

/** The flow file, or undefined when `text` is a single-job file (no `buildflow`/`buildflows`). */
export function parseBuildFlow(text: string | YamlReader, path: string): BuildFlowFile | undefined {
  const reader = typeof text === 'string' ? yamlReader(text, path) : text;
  const { root, fail, where, mapOf, keyOf, stringOf } = reader;
  const top = new Map<string, { key: unknown; value: unknown }>();
  for (const pair of root.items) top.set(keyOf(pair), pair);
  if (!FLOW_KEYS.some((k) => top.has(k))) return undefined;
  for (const [key, pair] of top)
    if (!TOP_KEYS.includes(key))
      fail(where(pair.key), `unknown key "${key}"; a BuildFlow file has ${TOP_KEYS.join(', ')}`);
  if (top.has('buildflow') && top.has('buildflows'))
    fail(where(top.get('buildflows')?.key), 'give either buildflow or buildflows, not both');
  const v = stringOf(top.get('version')?.value, 'version');
  if (!top.has('version')) fail(0, 'the file has no "version"; write version: 2.0');
  if (v !== '2.0' && v !== '2') fail(where(top.get('version')?.value), `version must be 2.0, not "${v}"`);

  // CodeArts' own multi-task example has a flow-level env and envs: checked as a single-job
  // file's (a typo is named where it is), not applied (the flow's build runs on no runner; each
  // job runs where its own file's env says, and the spec leaves open whether the flow's would).
  if (top.has('env') || top.has('envs')) readEnv(reader, top.get('env'), top.get('envs'));
  // The older documentation prints `jobs` beside `buildflow`, the newer inside it: both are read,
  // never both at once (which list would run?).
  const looseJobs = top.get('jobs')?.value;
  if (top.has('jobs') && !top.has('buildflow'))
    fail(where(top.get('jobs')?.key), 'jobs beside buildflows: give each flow of buildflows its own jobs');
  if (
    top.has('jobs') &&
    isMap(top.get('buildflow')?.value) &&
    (top.get('buildflow')?.value as YAMLMap).has('jobs')
  )
    fail(where(top.get('jobs')?.key), 'give jobs either inside buildflow or beside it, not both');
  const flows: FlowBody[] = [];
  if (top.has('buildflow')) {
    flows.push(readFlowBody(reader, top.get('buildflow')?.value, 'buildflow', looseJobs));
  } else {
    const list = top.get('buildflows')?.value;
    if (!isSeq(list)) fail(where(list), 'buildflows must be a list of {condition, strategy, jobs}');
    for (const [i, item] of (list as { items: unknown[] }).items.entries()) {
      const m = mapOf(item, `buildflows[${i}]`);
      const condition = stringOf(m.get('condition', true), `buildflows[${i}].condition`);
      const nested = m.get('buildflow', true);
      // Beside a nested buildflow only its condition: a strategy or jobs there would be dropped.
      if (nested)
        for (const pair of m.items)
          if (!['condition', 'buildflow'].includes(keyOf(pair)))
            fail(
              where(pair.key),
              `"${keyOf(pair)}" beside buildflows[${i}].buildflow: give it inside that buildflow (beside it, only condition)`,
            );
      const body = readFlowBody(
        reader,
        nested ?? m,
        `buildflows[${i}]`,
        undefined,
        nested ? [] : ['condition'],
      );
      flows.push({ ...body, ...(condition.trim() !== '' && { condition }) });
    }
    if (flows.length === 0) fail(where(list), 'buildflows has no flow');
  }
  for (const [i, flow] of flows.entries()) {
    const label = top.has('buildflows') ? `buildflows[${i}]` : 'buildflow';
    checkFlowGraph(flow.jobs, `${path}: ${label}`, (job, why, dependency) =>
      fail(placeOf(job, dependency), `${label}: ${why}`),
    );
  }
  return { params: readParams(reader, top.get('params')?.value, 'params'), flows };
}

function readFlowBody(
  reader: YamlReader,
  node: unknown,
  what: string,
  looseJobs: unknown,
  extraKeys: string[] = [],
): FlowBody {
  const { fail, where, mapOf, keyOf, stringOf, isEmpty } = reader;
  const m = mapOf(node, what);
  for (const pair of m.items) {
    const key = keyOf(pair);
    if (key === 'jobs_resolver')
      fail(
        where(pair.key),
        `${what}.jobs_resolver (a Huawei-side job resolver) is not supported; list the jobs`,
      );
    if (!FLOW_BODY_KEYS.includes(key) && !extraKeys.includes(key))
      fail(where(pair.key), `unknown key "${key}" in ${what}; it has ${FLOW_BODY_KEYS.join(', ')}`);
  }
  const strategy = stringOf(m.get('strategy', true), `${what}.strategy`) || 'eager';
  if (strategy !== 'eager' && strategy !== 'lazy')
    fail(where(m.get('strategy', true)), `${what}.strategy must be eager or lazy, not "${strategy}"`);
  const jobsNode = m.get('jobs', true) ?? looseJobs;
  if (isEmpty(jobsNode) || !isSeq(jobsNode))
    return fail(where(jobsNode ?? m), `${what} needs a list of jobs`);
  const jobs = (jobsNode as { items: unknown[] }).items.map((item, i): FlowJob => {
    const j = mapOf(item, `${what}.jobs[${i}]`);
    for (const pair of j.items)
      if (!JOB_KEYS.includes(keyOf(pair)))
        fail(where(pair.key), `unknown key "${keyOf(pair)}" in a flow job; it has ${JOB_KEYS.join(', ')}`);
    const name = stringOf(j.get('job', true), 'job');
    if (!JOB_NAME.test(name))
      fail(where(j), `a flow job needs "job": a name of letters, digits, . _ - (not "${name}")`);
    const buildRef = stringOf(j.get('build_ref', true), `${name}.build_ref`);
    if (!isRepositoryPath(buildRef))
      fail(
        where(j),
        `job ${name}: build_ref must be a path inside the repository (relative, without ..), not "${buildRef}"`,
      );
    const deps: unknown = j.get('depends_on', true);
    let dependsOn: string[] = [];
    if (!isEmpty(deps)) {
      if (!isSeq(deps)) fail(where(deps), `job ${name}: depends_on must be a list of job names`);
      // A job named twice is one dependency (one edge of the flow graph).
      dependsOn = [
        ...new Set((deps as { items: unknown[] }).items.map((d) => stringOf(d, `${name}.depends_on`))),
      ];
    }
    const job = {
      name,
      dependsOn,
      buildRef,
      params: readParams(reader, j.get('params', true), `${name}.params`),
    };
    const depNodes = isSeq(deps) ? (deps as { items: unknown[] }).items : [];
    places.set(job, (dependency) =>
      where(
        depNodes.find((d) => dependency !== undefined && isScalar(d) && String(d.value) === dependency) ?? j,
      ),
    );
    return job;
  });
  return { strategy: strategy as FlowStrategy, jobs };
}

/**
 * Unique names, dependencies that exist and are not the job itself, no cycle, at most
 * MAX_FLOW_JOBS jobs; throws BuildYamlError naming what is wrong. The server checks a runner's
 * report with it too.
 */
export function checkFlowGraph(
  jobs: readonly FlowJob[],
  where: string,
  failAt?: (job: FlowJob, why: string, dependency?: string) => never,
): void {
  const fail = (why: string, job?: FlowJob, dependency?: string): never => {
    // The file's reader names the file, line and column of the job (or dependency) at fault.
    if (job && failAt) failAt(job, why, dependency);
    throw new BuildYamlError(`${where}: ${why}`);
  };
  if (jobs.length === 0) fail('the flow has no jobs');
  if (jobs.length > MAX_FLOW_JOBS)
    fail(`a flow has at most ${MAX_FLOW_JOBS} jobs, not ${jobs.length}`, jobs[MAX_FLOW_JOBS]);
  const names = new Set<string>();
  for (const j of jobs) {
    if (names.has(j.name)) fail(`two jobs are named ${j.name}`, j);
    names.add(j.name);
  }
  for (const j of jobs)
    for (const d of j.dependsOn) {
      if (d === j.name) fail(`job ${j.name} depends on itself`, j, d);
      if (!names.has(d)) fail(`job ${j.name} depends on ${d}, which is not a job of the flow`, j, d);
    }
  const cycle = findCycle(jobs);
  if (cycle)
    fail(
      `the jobs depend on each other in a circle: ${cycle.join(' -> ')}`,
      jobs.find((j) => j.name === cycle[0]),
      cycle[1],
    );
}

/**
 * A flow as a runner reported it (the server's check): each job as the file's reader would have
 * taken it (its name, a `build_ref` inside the repository, its inputs' names and values), then the
 * graph (checkFlowGraph). A runner's report is not taken on trust: its jobs run on other runners.
 */
export function checkFlowReport(jobs: readonly FlowJob[], where: string): void {
  const fail = (why: string): never => {
    throw new BuildYamlError(`${where}: ${why}`);
  };
  for (const j of jobs) {
    if (!JOB_NAME.test(j.name))
      fail(`a flow job's name is letters, digits, . _ - (at most 64), not "${j.name}"`);
    if (!isRepositoryPath(j.buildRef))
      fail(
        `job ${j.name}: build_ref must be a path inside the repository (relative, without ..), not "${j.buildRef}"`,
      );
    for (const p of j.params) {
      const problem = parameterNameProblem(p.name) ?? parameterValueProblem(p.value);
      if (problem) fail(`job ${j.name}: params entry "${p.name}" ${problem}`);
    }
  }
  checkFlowGraph(jobs, where);
}

/** A dependency circle as job names (first name repeated at the end), or undefined. */
function findCycle(jobs: readonly FlowJob[]): string[] | undefined {
  const byName = new Map(jobs.map((j) => [j.name, j]));
  const state = new Map<string, 'open' | 'done'>();
  const path: string[] = [];
  const visit = (name: string): string[] | undefined => {
    if (state.get(name) === 'done') return undefined;
    if (state.get(name) === 'open') return [...path.slice(path.indexOf(name)), name];
    state.set(name, 'open');
    path.push(name);
    for (const d of byName.get(name)?.dependsOn ?? []) {
      const found = visit(d);
      if (found) return found;
    }
    path.pop();
    state.set(name, 'done');
    return undefined;
  };
  for (const j of jobs) {
    const found = visit(j.name);
    if (found) return found;
  }
  return undefined;
}

/** The flow to run: `buildflow`, or the first `buildflows` entry whose condition holds. */
export function selectFlow(
  file: BuildFlowFile,
  lookup: (name: string) => string | undefined,
  path: string,
): FlowBody {
  for (const [i, flow] of file.flows.entries()) {
    if (flow.condition === undefined) return flow;
    try {
      if (evaluateCondition(flow.condition, lookup)) return flow;
    } catch (error) {
      throw new BuildYamlError(
        `${path}: buildflows[${i}] condition "${flow.condition}": ${(error as Error).message}`,
      );
    }
  }
  throw new BuildYamlError(`${path}: no condition of buildflows holds, so there is no flow to run`);
}

/** How a dependency that did not succeed ended; none known: its build was deleted. */
function dependencyOutcome(state: BuildState | '' | undefined): string {
  return state === undefined ? 'whose build was deleted' : `which ended ${state}`;
}

/** A child build of a flow as the flow sees it. */
export interface FlowChild {
  name: string;
  dependsOn: string[];
  recordId: string;
  /** Handed to the queue (by the flow). */
  started: boolean;
  /** The child's outcome once finished ('' while not). */
  state: BuildState | '';
  /** Someone asked to stop this child (a stop, its job deleted). */
  cancelled: boolean;
}

/** What to do next with a flow. */
export interface FlowStep {
  /** Children to queue now. */
  start: string[];
  /** Children that will never run, with why (they end ABORTED). */
  skip: { recordId: string; reason: string }[];
  /** The flow's outcome, once every child has one. */
  done?: BuildState;
}

/**
 * The next step of a flow, given its children in file order. A child whose dependencies all
 * succeeded is queued (eager: all such at once; lazy: the first, once nothing else of the flow is
 * queued or running); one with a dependency that ended otherwise is skipped, and so, in the same
 * step, are its own dependants; a lazy flow skips every job still waiting once one did not succeed. A flow being stopped queues nothing more and skips what waits.
 * The flow succeeds when every child did; it is ABORTED when stopped, else FAILURE.
 */
export function flowStep(
  children: readonly FlowChild[],
  strategy: FlowStrategy,
  stopping: boolean,
): FlowStep {
  const state = new Map(children.map((c) => [c.name, c.state]));
  const skip: FlowStep['skip'] = [];
  const waiting = (c: FlowChild) => !c.started && state.get(c.name) === '';
  // Lazy starts a job only after those before it succeeded (spec §5.1): one that did not ends it.
  const halted =
    strategy === 'lazy' ? children.find((c) => c.state !== '' && c.state !== 'SUCCESS') : undefined;
  for (let changed = true; changed;) {
    changed = false;
    for (const c of children) {
      if (!waiting(c)) continue;
      const failed = c.dependsOn.find((d) => state.get(d) !== '' && state.get(d) !== 'SUCCESS');
      const reason = stopping
        ? 'the flow was stopped before this job started'
        : c.cancelled
          ? 'it was stopped before it started'
          : failed
            ? `it depends on ${failed}, ${dependencyOutcome(state.get(failed))}`
            : halted && `the flow is lazy and ${halted.name} ended ${halted.state}`;
      if (reason) {
        skip.push({ recordId: c.recordId, reason });
        state.set(c.name, 'ABORTED');
        changed = true;
      }
    }
  }
  const ready = children.filter((c) => waiting(c) && c.dependsOn.every((d) => state.get(d) === 'SUCCESS'));
  const busy = children.some((c) => c.started && c.state === '');
  const start = strategy === 'eager' ? ready : busy ? [] : ready.slice(0, 1);
  const all = [...state.values()];
  const done: BuildState | undefined =
    start.length > 0 || all.some((s) => s === '')
      ? undefined
      : stopping
        ? 'ABORTED'
        : all.every((s) => s === 'SUCCESS')
          ? 'SUCCESS'
          : 'FAILURE';
  return { start: start.map((c) => c.recordId), skip, ...(done && { done }) };
}
